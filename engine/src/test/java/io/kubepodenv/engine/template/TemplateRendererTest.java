package io.kubepodenv.engine.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.TemplateSource;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemplateRendererTest {
    private final TemplateRenderer renderer = new TemplateRenderer();

    private static TemplateArguments arguments(Optional<String> storageClass) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/managed-by", "kube-pod-env");
        labels.put("kube-pod-env.io/instance", "env-abcde");
        return new TemplateArguments("env-abcde", "ns1", storageClass, "12.5", labels);
    }

    private String render(String template) {
        return renderer.render(new TemplateSource("test template", template), arguments(Optional.empty()));
    }

    @Test
    void printsTheArguments() {
        assertThat(render("{{ id }} {{ namespace }} {{ storageSize }}Gi")).isEqualTo("env-abcde ns1 12.5Gi");
    }

    @Test
    void preevyMapLoopIteratesKeysAndValues() {
        assertThat(render("{% for k, v in labels %}{{ k }}={{ v }};{% endfor %}"))
            .isEqualTo("app.kubernetes.io/managed-by=kube-pod-env;kube-pod-env.io/instance=env-abcde;");
    }

    @Test
    void jinjaItemsLoopIteratesKeysAndValues() {
        assertThat(render("{% for k, v in labels.items() %}{{ k }}={{ v }};{% endfor %}"))
            .isEqualTo("app.kubernetes.io/managed-by=kube-pod-env;kube-pod-env.io/instance=env-abcde;");
    }

    @Test
    void singleVariableLoopOverAMapIteratesItsKeys() {
        assertThat(render("{% for k in labels %}{{ k }};{% endfor %}"))
            .isEqualTo("app.kubernetes.io/managed-by;kube-pod-env.io/instance;");
    }

    @Test
    void twoVariableLoopOverAListOfPairsStillUnpacks() {
        assertThat(render("{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }},{% endfor %}")).isEqualTo("12,34,");
    }

    @Test
    void undefinedPrintedVariableIsAnErrorNamingItAndTheLine() {
        assertThatThrownBy(() -> render("a: 1\nb: {{ nope }}")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("template (test template)").hasMessageContaining("line 2")
            .hasMessageContaining("Undefined variable: 'nope'");
    }

    @Test
    void undefinedVariableOnlyComparedIsAnErrorNamingItAndTheLine() {
        assertThatThrownBy(() -> render("a: 1\n\n{% if mode == 'a' %}x{% endif %}"))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("line 3").hasMessageContaining("Undefined variable: 'mode'");
    }

    @Test
    void undefinedVariableOnlyTestedIsAnError() {
        assertThatThrownBy(() -> render("{% if debug %}x{% endif %}")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("Undefined variable: 'debug'");
    }

    @Test
    void absentStorageClassMayBeTested() {
        assertThat(render("{% if storageClass %}class: {{ storageClass }}{% endif %}ok")).isEqualTo("ok");
    }

    @Test
    void presentStorageClassIsPrinted() {
        String out = renderer.render(new TemplateSource("t", "{% if storageClass %}{{ storageClass }}{% endif %}"),
            arguments(Optional.of("fast.ssd.example")));
        assertThat(out).isEqualTo("fast.ssd.example");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{% include 'other.yaml' %}", "{% import 'macros.j2' as m %}",
        "{% from 'macros.j2' import m %}", "{% extends 'base.j2' %}"})
    void tagsThatReadFilesAreRefused(String template) {
        String tag = template.substring(3, template.indexOf(' ', 3));
        assertThatThrownBy(() -> render(template)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("'" + tag + "' is disabled");
    }

    @Test
    void aValueContainingTemplateSyntaxIsPrintedLiterally() {
        Map<String, String> labels = Map.of("note", "{{ id }} {% if true %}x{% endif %}");
        String out = renderer.render(new TemplateSource("t", "{{ labels.note }}|{% for k, v in labels %}{{ v }}"
            + "{% endfor %}"), new TemplateArguments("env-abcde", "ns1", Optional.empty(), "5", labels));
        assertThat(out).isEqualTo("{{ id }} {% if true %}x{% endif %}|{{ id }} {% if true %}x{% endif %}");
    }

    @Test
    void outputLargerThanTheLimitIsRefused() {
        assertThatThrownBy(() -> render("{% for i in range(1000) %}{% for j in range(1000) %}0123456789"
            + "{% endfor %}{% endfor %}")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("over limit of " + TemplateRenderer.MAX_OUTPUT_CHARS);
    }

    @Test
    void aStringDoubledPastTheLimitIsRefused() {
        assertThatThrownBy(() -> render("{% set s = 'x' %}{% for i in range(30) %}{% set s = s ~ s %}{% endfor %}"
            + "{{ s|length }}")).isInstanceOf(InvalidInputException.class).hasMessageContaining("over limit");
    }

    @Test
    void rangesAreCappedAtTheRangeLimit() {
        assertThat(render("{% for i in range(100000) %}x{% endfor %}")).hasSize(1000);
    }

    @Test
    void recursiveMacrosAreRefused() {
        assertThatThrownBy(() -> render("{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}"))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("Cycle detected for macro 'm'");
    }

    @Test
    void javaMethodsOfBoundValuesCannotBeCalled() {
        assertThatThrownBy(() -> render("{{ id.getClass() }}")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("Cannot find method 'getClass'");
    }

    @Test
    void aRenderThatNeverEndsTimesOutAndStops() throws InterruptedException {
        TemplateRenderer quick = new TemplateRenderer(Duration.ofMillis(300));
        long started = System.nanoTime();
        assertThatThrownBy(() -> quick.render(new TemplateSource("t", "{% for a in range(1000) %}"
            + "{% for b in range(1000) %}{% for c in range(1000) %}{% endfor %}{% endfor %}{% endfor %}"),
            arguments(Optional.empty())))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("rendering took longer than");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        // the abandoned render must not keep a thread spinning
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (renderThreadAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(renderThreadAlive()).as("render thread still running after the timeout").isFalse();
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> render("a: 1\n{% if id %}")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("line 2").hasMessageContaining("Missing end tag");
    }

    @Test
    void renderingIsReproducible() {
        String template = "{{ [1, 2, 3]|random }} {% for k, v in labels %}{{ k }}{% endfor %}";
        assertThat(render(template)).isEqualTo(render(template));
    }

    @Test
    void tojsonQuotesValues() {
        assertThat(render("{{ storageSize|tojson }}")).isEqualTo("\"12.5\"");
    }

    private static boolean renderThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("kube-pod-env-template-render") && t.isAlive());
    }
}
