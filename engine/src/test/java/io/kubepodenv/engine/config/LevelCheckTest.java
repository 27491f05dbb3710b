package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.TemplateSource;
import org.junit.jupiter.api.Test;

/** The checks a configuration form makes of one level. */
class LevelCheckTest {
    @Test
    void thePreviewOfTheBundledTemplateListsEachObjectAndTheDockerServer() {
        String preview = LevelCheck.preview(null, "ci", null, "5");

        assertThat(preview).startsWith("Renders 4 objects (sha256:").contains("\n  v1 ServiceAccount preview-0000-sa")
            .contains("\n  apps/v1 StatefulSet preview-0000 (document 4)")
            .endsWith("\nDocker server: StatefulSet preview-0000");
    }

    @Test
    void thePreviewRendersTheFormsValuesIntoTheTemplate() {
        String template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ id }}-extra\n"
            + "  namespace: {{ namespace }}\n---\n" + TemplateSource.bundledDefault().text();

        assertThat(LevelCheck.preview(template, "team-a", null, null)).containsPattern("v1 ConfigMap \\S*-extra");
    }

    @Test
    void aTemplateThatDoesNotRenderIsAnErrorNamingTheTemplate() {
        assertThatThrownBy(() -> LevelCheck.preview("{% if %}", null, null, null))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("template");
    }

    @Test
    void aBadFieldIsAnErrorNamingTheFieldAndTheLevel() {
        assertThatThrownBy(() -> LevelCheck.fields(SettingsLayer.configuration("this level").withStorageSize("-3")))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("this level")
            .hasMessageContaining("storage size");
    }

    @Test
    void goodFieldsPass() {
        LevelCheck.fields(SettingsLayer.configuration("this level").withNamespace("team-a").withReadyTimeout("5m"));
    }
}
