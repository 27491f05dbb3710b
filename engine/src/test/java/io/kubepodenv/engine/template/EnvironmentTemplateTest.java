package io.kubepodenv.engine.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.TemplateSource;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.RecordingListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The template's rules, the bundled template, a Preevy-style template, and the corpus of bad input: every bad
 * template or option is refused with an {@link InvalidInputException} (exit code 2 on the command line) that says
 * what is wrong, before a single request reaches the cluster.
 */
class EnvironmentTemplateTest {
    private static final EnvironmentKey KEY = EnvironmentKey.of("org/repo/PR-7");
    private static final String ID = "org-repo-pr-7-abcde";

    /** The smallest valid template: just the docker-host StatefulSet. */
    static final String DOCKER_HOST = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: {{ id }}
          labels:
            app.kubernetes.io/component: docker-host
        spec:
          selector:
            matchLabels:
        {% for k, v in labels %}
              {{ k }}: {{ v|tojson }}
        {% endfor %}
          template:
            metadata:
              labels:
        {% for k, v in labels %}
                {{ k }}: {{ v|tojson }}
        {% endfor %}
            spec:
              containers:
              - name: docker
                image: docker:27-dind
        """;

    private static MockCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = new MockCluster();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static Options options(String template) {
        return Options.builder().namespace("ns1").template(new TemplateSource("test template", template)).build();
    }

    private static Manifest build(Options options) {
        return new EnvironmentTemplate(new TemplateRenderer()).build(options, KEY, ID, "2026-01-02T03:04:05Z",
            Map.of("pr-url", "https://example.com/pr/7"));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = EnvironmentTemplateTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object root, String... path) {
        Object node = root;
        for (String step : path) {
            node = node instanceof List<?> list ? list.get(Integer.parseInt(step)) : ((Map<String, Object>) node).get(step);
        }
        return (T) node;
    }

    // ---- accepted templates -------------------------------------------------------------------------------------

    @Test
    void minimalTemplateIsAcceptedAndItsStatefulSetIsTheDockerHost() {
        Manifest manifest = build(options(DOCKER_HOST));
        assertThat(manifest.objects()).hasSize(1);
        assertThat(manifest.dockerHost().name()).isEqualTo(ID);
        assertThat(manifest.kinds()).containsExactly("apps/v1/StatefulSet");
    }

    @Test
    void missingNamespaceBecomesTheConfiguredOne() {
        Manifest manifest = build(options(DOCKER_HOST));
        assertThat(manifest.dockerHost().metadata()).containsEntry("namespace", "ns1");
    }

    @Test
    void theConfiguredNamespaceMayBeWritten() {
        Manifest manifest = build(options("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: "
            + "{{ namespace }}\n---\n" + DOCKER_HOST));
        assertThat(manifest.objects().get(0).metadata()).containsEntry("namespace", "ns1");
    }

    @Test
    void unsetReplicasMeansOne() {
        assertThat((Object) at(build(options(DOCKER_HOST)).dockerHost().content(), "spec", "replicas")).isEqualTo(1);
    }

    @Test
    void everyObjectIsStampedWithIdentityLabelsAndAnnotations() {
        Manifest manifest = build(options("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n"
            + DOCKER_HOST));
        for (ManifestObject object : manifest.objects()) {
            Map<String, Object> labels = at(object.content(), "metadata", "labels");
            Map<String, Object> annotations = at(object.content(), "metadata", "annotations");
            assertThat(labels).containsEntry(ObjectLabels.MANAGED_BY, "kube-pod-env")
                .containsEntry(ObjectLabels.INSTANCE, ID).containsEntry(ObjectLabels.KEY, "org-repo-PR-7")
                .containsEntry(ObjectLabels.KEY_HASH, KEY.hash()).containsEntry(ObjectLabels.OWNER, "kpe");
            assertThat(annotations).containsEntry(ObjectLabels.KEY_ANNOTATION, "org/repo/PR-7")
                .containsEntry(ObjectLabels.TEMPLATE_HASH, manifest.templateHash())
                .containsEntry(ObjectLabels.CREATED_AT, "2026-01-02T03:04:05Z")
                .containsEntry(ObjectLabels.ATTRIBUTE_PREFIX + "pr-url", "https://example.com/pr/7");
        }
        assertThat((Map<String, Object>) at(manifest.dockerHost().content(), "metadata", "annotations"))
            .containsEntry(ObjectLabels.KINDS, "v1/ConfigMap,apps/v1/StatefulSet");
    }

    @Test
    void podTemplateAndClaimTemplatesGetTheIdentityLabelsEvenIfTheTemplateForgetsThem() {
        String template = DOCKER_HOST + """
              volumeClaimTemplates:
              - metadata:
                  name: data
                spec:
                  accessModes: ["ReadWriteOnce"]
            """;
        Manifest manifest = build(options(template));
        Map<String, Object> claimLabels = at(manifest.dockerHost().content(), "spec", "volumeClaimTemplates", "0",
            "metadata", "labels");
        assertThat(claimLabels).containsEntry(ObjectLabels.MANAGED_BY, "kube-pod-env")
            .containsEntry(ObjectLabels.KEY_HASH, KEY.hash());
        assertThat(manifest.kinds()).contains("v1/PersistentVolumeClaim");
    }

    @Test
    void templateHashIsStableAndIgnoresCreationTime() {
        Options options = options(DOCKER_HOST);
        EnvironmentTemplate template = new EnvironmentTemplate(new TemplateRenderer());
        String first = template.build(options, KEY, ID, "2026-01-01T00:00:00Z", Map.of()).templateHash();
        String second = template.build(options, KEY, ID, null, Map.of("a", "b")).templateHash();
        assertThat(first).startsWith("sha256:").isEqualTo(second);
    }

    @Test
    void templateHashChangesWithTheTemplate() {
        String other = DOCKER_HOST.replace("docker:27-dind", "docker:28-dind");
        assertThat(build(options(DOCKER_HOST)).templateHash()).isNotEqualTo(build(options(other)).templateHash());
    }

    @Test
    void bundledTemplateRendersAndValidates() {
        Manifest manifest = build(Options.builder().namespace("ns1").build());
        assertThat(manifest.objects()).extracting(ManifestObject::kind)
            .containsExactly("ServiceAccount", "ConfigMap", "NetworkPolicy", "StatefulSet");
        assertThat(manifest.kinds()).contains("v1/PersistentVolumeClaim");
    }

    @Test
    void bundledTemplateHasAReadinessProbeOnDockerPing() {
        Map<String, Object> container = at(build(Options.builder().build()).dockerHost().content(), "spec",
            "template", "spec", "containers", "0");
        assertThat((Object) at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/_ping");
        assertThat((Object) at(container, "readinessProbe", "httpGet", "port")).isEqualTo(2375);
    }

    @Test
    void bundledTemplateDeletesItsClaimWithTheStatefulSet() {
        Map<String, Object> spec = at(build(Options.builder().build()).dockerHost().content(), "spec");
        assertThat((Object) at(spec, "persistentVolumeClaimRetentionPolicy", "whenDeleted")).isEqualTo("Delete");
    }

    @Test
    void bundledTemplateKeepsItsClaimWhenScaledToZeroSoThatItCanSleep() {
        Map<String, Object> spec = at(build(Options.builder().sleepAfter("2h").build()).dockerHost().content(),
            "spec");
        assertThat((Object) at(spec, "persistentVolumeClaimRetentionPolicy", "whenScaled")).isEqualTo("Retain");
    }

    @Test
    void aTemplateThatDeletesItsClaimWhenScaledIsRefusedWhenEnvironmentsMaySleep() {
        String deleting = DOCKER_HOST.replace("spec:\n  selector:", "spec:\n  persistentVolumeClaimRetentionPolicy:\n"
            + "    whenScaled: Delete\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n"
            + "      accessModes: [ReadWriteOnce]\n  selector:");
        assertThat(deleting).contains("whenScaled: Delete");
        assertThat(build(options(deleting)).dockerHost()).isNotNull();
        Options sleeping = options(deleting).toBuilder().sleepAfter("2h").build();
        assertThatThrownBy(() -> build(sleeping)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("test template").hasMessageContaining("StatefulSet " + ID)
            .hasMessageContaining("whenScaled: Delete").hasMessageContaining("Retain")
            .hasMessageContaining("sleep after");
    }

    @Test
    void aTemplateWithoutAVolumeClaimIsRefusedWhenEnvironmentsMaySleep() {
        Options sleeping = options(DOCKER_HOST).toBuilder().sleepAfter("2h").build();
        assertThatThrownBy(() -> build(sleeping)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("no volumeClaimTemplates");
    }

    @Test
    void bundledTemplateSetsResources() {
        Map<String, Object> resources = at(build(Options.builder().build()).dockerHost().content(), "spec",
            "template", "spec", "containers", "0", "resources");
        assertThat((Object) at(resources, "requests", "cpu")).isNotNull();
        assertThat((Object) at(resources, "requests", "memory")).isNotNull();
        assertThat((Object) at(resources, "limits", "memory")).isNotNull();
    }

    @Test
    void bundledTemplateHasANetworkPolicyDenyingIngressToThePod() {
        Manifest manifest = build(Options.builder().build());
        ManifestObject policy = manifest.objects().stream().filter(o -> o.kind().equals("NetworkPolicy")).findFirst()
            .orElseThrow();
        assertThat((List<String>) at(policy.content(), "spec", "policyTypes")).containsExactly("Ingress");
        assertThat((Object) at(policy.content(), "spec", "ingress")).isNull();
        Map<String, Object> podLabels = at(manifest.dockerHost().content(), "spec", "template", "metadata", "labels");
        assertThat(podLabels).containsAllEntriesOf(at(policy.content(), "spec", "podSelector", "matchLabels"));
    }

    @Test
    void bundledTemplateRendersAFractionalStorageSize() {
        Manifest manifest = build(Options.builder().storageSize("12.5").build());
        assertThat((Object) at(manifest.dockerHost().content(), "spec", "volumeClaimTemplates", "0", "spec",
            "resources", "requests", "storage")).isEqualTo("12.5Gi");
    }

    @Test
    void bundledTemplateAcceptsAStorageClassWithDots() {
        Manifest manifest = build(Options.builder().storageClass("fast.ssd.example.com").build());
        assertThat((Object) at(manifest.dockerHost().content(), "spec", "volumeClaimTemplates", "0", "spec",
            "storageClassName")).isEqualTo("fast.ssd.example.com");
    }

    @Test
    void bundledTemplateLeavesTheStorageClassOutWhenNoneIsGiven() {
        Map<String, Object> claimSpec = at(build(Options.builder().build()).dockerHost().content(), "spec",
            "volumeClaimTemplates", "0", "spec");
        assertThat(claimSpec).doesNotContainKey("storageClassName");
    }

    @Test
    void preevyStyleTemplateRendersAndValidatesUnchanged() throws IOException {
        String template = resource("preevy-style-template.yaml.njk");
        Manifest manifest = build(Options.builder().namespace("ns1").template(new TemplateSource("preevy", template))
            .storageClass("standard.csi").storageSize("12.5").build());
        assertThat(manifest.objects()).extracting(ManifestObject::kind)
            .containsExactly("ServiceAccount", "ConfigMap", "StatefulSet", "Role", "RoleBinding");
        Map<String, Object> selector = at(manifest.dockerHost().content(), "spec", "selector", "matchLabels");
        assertThat(selector).containsEntry(ObjectLabels.INSTANCE, ID).containsEntry(ObjectLabels.KEY_HASH, KEY.hash());
        Map<String, Object> claimSpec = at(manifest.dockerHost().content(), "spec", "volumeClaimTemplates", "0",
            "spec");
        assertThat(claimSpec).containsEntry("storageClassName", "standard.csi");
        assertThat((Object) at(claimSpec, "resources", "requests", "storage")).isEqualTo("12.5Gi");
    }

    @Test
    void preevyStyleTemplateWorksWithoutAStorageClassAndWithANumericKey() throws IOException {
        String template = resource("preevy-style-template.yaml.njk");
        Manifest manifest = new EnvironmentTemplate(new TemplateRenderer()).build(Options.builder()
            .template(new TemplateSource("preevy", template)).build(), EnvironmentKey.of("1234"), "a1234-abcde", null,
            Map.of());
        Map<String, Object> claimSpec = at(manifest.dockerHost().content(), "spec", "volumeClaimTemplates", "0",
            "spec");
        assertThat(claimSpec).doesNotContainKey("storageClassName");
        assertThat((Map<String, Object>) at(manifest.dockerHost().content(), "spec", "template", "metadata",
            "labels")).containsEntry(ObjectLabels.KEY, "1234");
    }

    // ---- the bad-input corpus -----------------------------------------------------------------------------------

    /** One bad input: how to build it and call {@code up}, and a fragment of the message it must produce. */
    record BadInput(String name, Runnable up, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static BadInput template(String name, String template, String message) {
        return new BadInput(name, () -> up(o -> o.template(new TemplateSource("test template", template)), KEY,
            Map.of()), message);
    }

    private static BadInput docs(String name, String before, String after, String message) {
        return template(name, before + DOCKER_HOST + after, message);
    }

    private static BadInput option(String name, UnaryOperator<Options.Builder> change, String message) {
        return new BadInput(name, () -> up(change, KEY, Map.of()), message);
    }

    private static void up(UnaryOperator<Options.Builder> change, EnvironmentKey key, Map<String, String> attributes) {
        Options options = change.apply(cluster.options()).build();
        try (KubePodEnv engine = new KubePodEnv(cluster.client(), options)) {
            engine.up(key, attributes, new RecordingListener());
        }
    }

    private static String hostWith(String from, String to) {
        if (!DOCKER_HOST.contains(from)) {
            throw new IllegalArgumentException(from);
        }
        return DOCKER_HOST.replace(from, to);
    }

    static Stream<BadInput> badInputs() {
        String configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        return Stream.of(
            template("blank template", "  \n ", "is empty"),
            template("undefined variable printed", DOCKER_HOST + "    x: {{ flavour }}\n",
                "Undefined variable: 'flavour'"),
            template("undefined variable compared", "{% if flavour == 'big' %}{% endif %}\n" + DOCKER_HOST,
                "line 1: Undefined variable: 'flavour'"),
            template("include", "{% include 'base.yaml' %}\n" + DOCKER_HOST, "'include' is disabled"),
            template("import", "{% import 'm.j2' as m %}\n" + DOCKER_HOST, "'import' is disabled"),
            template("extends", "{% extends 'base.yaml' %}\n" + DOCKER_HOST, "'extends' is disabled"),
            template("unclosed if", "{% if id %}\n" + DOCKER_HOST, "Missing end tag"),
            template("output over the limit", "{% for i in range(1000) %}{% for j in range(1000) %}0123456789"
                + "{% endfor %}{% endfor %}", "over limit"),
            template("invalid YAML", DOCKER_HOST + "  : : bad\n\tx", "is not valid YAML"),
            template("duplicate YAML key", hostWith("kind: StatefulSet", "kind: StatefulSet\nkind: StatefulSet"),
                "is not valid YAML"),
            docs("document is a list", "- a\n- b\n---\n", "", "is not a mapping of a Kubernetes object"),
            template("only comments", "# nothing\n---\n# still nothing\n", "renders no object"),
            template("more than 100 objects", "{% for i in range(101) %}\n---\n" + configMap.replace("name: c",
                "name: c{{ i }}") + "{% endfor %}\n---\n" + DOCKER_HOST, "at most 100 are allowed"),
            docs("no apiVersion", "kind: ConfigMap\nmetadata:\n  name: c\n---\n", "", "no apiVersion"),
            docs("no kind", "apiVersion: v1\nmetadata:\n  name: c\n---\n", "", "no kind"),
            docs("no metadata", "apiVersion: v1\nkind: ConfigMap\n---\n", "", "(ConfigMap): no metadata"),
            docs("generateName instead of name", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: c-\n"
                + "---\n", "", "generateName is not supported"),
            docs("invalid object name", configMap.replace("name: c", "name: My_Config") + "---\n", "",
                "'My_Config' is not a valid object name"),
            docs("a List", "apiVersion: v1\nkind: ConfigMapList\nmetadata:\n  name: l\nitems: []\n---\n", "",
                "lists are not supported"),
            docs("cluster-scoped ClusterRole", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                + "metadata:\n  name: r\n---\n", "", "ClusterRole is cluster-scoped"),
            docs("a Namespace", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n---\n", "",
                "Namespace is cluster-scoped"),
            docs("foreign namespace", configMap + "  namespace: kube-system\n---\n", "",
                "namespace 'kube-system' is not the configured namespace 'kpe-test'"),
            docs("two objects of one kind and name", configMap + "---\n" + configMap + "---\n", "",
                "a second ConfigMap named 'c'"),
            docs("a ConfigMap named like the environment's record", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                + "  name: kube-pod-env-{{ id }}\n---\n", "", "is taken by the environment's record"),
            docs("label value not a string", configMap + "  labels:\n    tier: 3\n---\n", "",
                "metadata.labels.tier must be a string"),
            docs("invalid label value", configMap + "  labels:\n    tier: \"no spaces allowed\"\n---\n", "",
                "'no spaces allowed' is not a valid label value"),
            docs("label value too long", configMap + "  labels:\n    tier: " + "x".repeat(64) + "\n---\n", "",
                "is not a valid label value"),
            docs("labels not a mapping", configMap + "  labels: [a, b]\n---\n", "",
                "metadata.labels must be a mapping"),
            docs("annotation not a string", configMap + "  annotations:\n    enabled: true\n---\n", "",
                "metadata.annotations.enabled must be a string"),
            template("no docker-host StatefulSet", configMap, "no StatefulSet is labelled app.kubernetes.io/component: "
                + "docker-host"),
            template("two docker-host StatefulSets", DOCKER_HOST + "---\n" + DOCKER_HOST.replace("name: {{ id }}",
                "name: {{ id }}-2"), "more than one StatefulSet is labelled"),
            template("docker-host label on a Deployment", hostWith("kind: StatefulSet", "kind: Deployment"),
                "only an apps/v1 StatefulSet may carry the label"),
            template("docker-host StatefulSet of another apiVersion", hostWith("apps/v1", "apps/v1beta2"),
                "only an apps/v1 StatefulSet may carry the label"),
            template("two replicas", hostWith("spec:\n  selector", "spec:\n  replicas: 2\n  selector"),
                "spec.replicas is 2; the docker-host StatefulSet must run exactly 1 replica"),
            template("zero replicas", hostWith("spec:\n  selector", "spec:\n  replicas: 0\n  selector"),
                "spec.replicas is 0"),
            template("replicas as a string", hostWith("spec:\n  selector", "spec:\n  replicas: \"1\"\n  selector"),
                "spec.replicas is 1;"),
            template("docker-host without spec", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: x\n"
                + "  labels:\n    app.kubernetes.io/component: docker-host\n", ": no spec"),
            template("no containers", hostWith("      containers:\n      - name: docker\n        image: docker:27-dind",
                "      containers: []"), "has no first container with a name"),
            template("first container without a name", hostWith("- name: docker\n        image", "- image"),
                "has no first container with a name"),
            template("no selector", hostWith("  selector:\n    matchLabels:", "  other:\n    matchLabels:"),
                "spec.selector.matchLabels is missing"),
            template("selector the pods do not match", hostWith("  selector:\n    matchLabels:\n",
                "  selector:\n    matchLabels:\n      extra: \"x\"\n"),
                "the selector label extra=x is not on spec.template.metadata.labels"),
            option("namespace not a DNS label", o -> o.namespace("Team_NS"),
                "namespace: 'Team_NS' is not a valid namespace name"),
            option("storage class with spaces", o -> o.storageClass("fast ssd"),
                "storage class: 'fast ssd' is not a valid StorageClass name"),
            option("storage size with a unit", o -> o.storageSize("5Gi"), "storage size: '5Gi' is not a number of GiB"),
            option("storage size zero", o -> o.storageSize("0"), "storage size: must be a positive number"),
            option("ready timeout zero", o -> o.readyTimeout("0"), "ready timeout: must be positive"),
            option("ready timeout too long", o -> o.readyTimeout("7h"), "ready timeout: 7h is longer than the 6h"),
            option("delete timeout not a duration", o -> o.deleteTimeout("soon"),
                "delete timeout: 'soon' is not a duration"),
            option("field manager with a space", o -> o.fieldManager("kube pod env"), "field manager: 1 to 128"),
            option("owner not a label value", o -> o.owner("-jenkins-"), "owner: must be a label value"),
            option("blank context", o -> o.context(" "), "context: must be a context name"),
            option("missing template file", o -> o.templateFile(Path.of("does", "not", "exist.j2")),
                "template: no such file"),
            new BadInput("empty environment key", () -> up(o -> o, EnvironmentKey.of(""), Map.of()),
                "environment key: must not be empty"),
            new BadInput("attribute name with capitals", () -> up(o -> o, KEY, Map.of("PR_URL", "x")),
                "attribute name 'PR_URL'"),
            new BadInput("attribute value too long", () -> up(o -> o, KEY, Map.of("note", "x".repeat(4097))),
                "a value of at most 4096 characters"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputIsRefusedBeforeAnyRequestWithAMessageSayingWhy(BadInput input) {
        int requestsBefore = cluster.engineRequests().size();
        assertThatThrownBy(input.up()::run)
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining(input.message());
        assertThat(cluster.engineRequests()).as("requests sent to the cluster").hasSize(requestsBefore);
        assertThat(cluster.allObjectNames()).as("objects on the cluster").isEmpty();
    }

    @Test
    void theCorpusHasAtLeastThirtyCases() {
        assertThat(badInputs().count()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void renderWithoutAClusterRefusesAnInvalidInstanceId() {
        assertThatThrownBy(() -> KubePodEnv.render(Options.builder().build(), KEY, java.util.Optional.of("Bad_Id")))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("id: 'Bad_Id' is not a valid instance id");
    }
}
