package io.kubepodenv.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.TemplateSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every template the project ships renders and validates, with and without a storage class. */
class ExampleTemplatesTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "templates");
    private static final EnvironmentKey KEY = EnvironmentKey.of("shop/PR-7");

    static Stream<Path> shippedTemplates() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            List<Path> list = files.filter(f -> f.toString().endsWith(".yaml.j2")).sorted().toList();
            assertThat(list).hasSizeGreaterThanOrEqualTo(3);
            return list.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("shippedTemplates")
    void rendersAndValidatesWithTheDefaultStorageClass(Path template) {
        Manifest manifest = render(template, null);
        assertThat(manifest.dockerHost().name()).isEqualTo("shop-pr-7-abcde");
        assertThat(manifest.kinds()).contains("apps/v1/StatefulSet", "v1/PersistentVolumeClaim");
        assertThat(claimTemplate(manifest.dockerHost())).doesNotContainKey("storageClassName");
    }

    @ParameterizedTest
    @MethodSource("shippedTemplates")
    void everyShippedTemplateCanSleep(Path template) throws IOException {
        Options options = Options.builder()
            .template(new TemplateSource(template.getFileName().toString(), Files.readString(template)))
            .sleepAfter("2h")
            .build();
        assertThat(KubePodEnv.render(options, KEY, Optional.of("shop-pr-7-abcde")).dockerHost()).isNotNull();
    }

    @ParameterizedTest
    @MethodSource("shippedTemplates")
    void rendersWithAStorageClassAndAFractionalSize(Path template) {
        Manifest manifest = render(template, "fast.ssd");
        assertThat(claimTemplate(manifest.dockerHost())).containsEntry("storageClassName", "fast.ssd");
        assertThat(claimTemplate(manifest.dockerHost()).toString()).contains("storage=12.5Gi");
    }

    @Test
    void sysboxTemplateRunsUnprivilegedUnderTheSysboxRuntime() {
        Manifest manifest = render(EXAMPLES.resolve("rootless-sysbox.yaml.j2"), null);
        Map<String, Object> podSpec = podSpec(manifest.dockerHost());
        assertThat(podSpec).containsEntry("runtimeClassName", "sysbox-runc");
        assertThat(firstContainer(podSpec)).doesNotContainKey("securityContext");
    }

    @Test
    void databaseTemplateKeepsTheDockerHostWhateverTheDocumentOrder() {
        Manifest manifest = render(EXAMPLES.resolve("with-database.yaml.j2"), null);
        ManifestObject database = manifest.objects().stream()
            .filter(o -> o.name().equals("shop-pr-7-abcde-db") && o.kind().equals("StatefulSet")).findFirst()
            .orElseThrow();
        assertThat(manifest.objects().indexOf(database))
            .isLessThan(manifest.objects().indexOf(manifest.dockerHost()));
        assertThat(manifest.dockerHost().name()).isEqualTo("shop-pr-7-abcde");
        assertThat(manifest.kinds()).contains("v1/Secret", "v1/Service");
        assertThat(claimTemplate(database).get("metadata").toString())
            .contains("kube-pod-env.io/instance=shop-pr-7-abcde");
    }

    @Test
    void tlsTemplateDeclaresItsTlsPortSoTheTunnelAndCheckUseIt() {
        Manifest manifest = render(EXAMPLES.resolve("docker-tls.yaml.j2"), null);
        assertThat(manifest.docker()).isEqualTo(new io.kubepodenv.engine.DockerEndpoint(2376, true));
        assertThat(manifest.dockerHost().metadata().get("annotations").toString())
            .contains("kube-pod-env.io/docker-port=2376", "kube-pod-env.io/docker-tls=true");
        assertThat(firstContainer(podSpec(manifest.dockerHost())).get("command").toString())
            .contains("--tlsverify", "--host=tcp://0.0.0.0:2376");
    }

    @Test
    void plainTemplatesRecordThePlainPort() {
        Manifest manifest = KubePodEnv.render(Options.builder().build(), KEY, Optional.of("shop-pr-7-abcde"));
        assertThat(manifest.docker()).isEqualTo(io.kubepodenv.engine.DockerEndpoint.PLAIN);
        assertThat(manifest.dockerHost().metadata().get("annotations").toString())
            .contains("kube-pod-env.io/docker-port=2375", "kube-pod-env.io/docker-tls=false");
    }

    @Test
    void dedicatedNodesTemplateSelectsAndToleratesThePool() {
        Map<String, Object> podSpec = podSpec(render(EXAMPLES.resolve("dedicated-nodes.yaml.j2"), null).dockerHost());
        assertThat(podSpec.get("nodeSelector")).isEqualTo(Map.of("node-pool", "preview-environments"));
        assertThat(podSpec.get("tolerations").toString()).contains("preview-environments", "NoSchedule");
    }

    @Test
    void bundledTemplateIsLockedDown() {
        Manifest manifest = KubePodEnv.render(Options.builder().build(), KEY, Optional.of("shop-pr-7-abcde"));
        ManifestObject policy = manifest.objects().stream().filter(o -> o.kind().equals("NetworkPolicy"))
            .findFirst().orElseThrow();
        Map<?, ?> policySpec = (Map<?, ?>) policy.content().get("spec");
        assertThat(policySpec.get("policyTypes")).isEqualTo(List.of("Ingress"));
        assertThat(policySpec.containsKey("ingress")).isFalse();
        assertThat(policySpec.get("podSelector").toString()).contains("kube-pod-env.io/instance=shop-pr-7-abcde");
        Map<String, Object> container = firstContainer(podSpec(manifest.dockerHost()));
        assertThat(container.get("readinessProbe").toString()).contains("path=/_ping", "port=2375");
        assertThat(container.get("resources").toString()).contains("requests");
        Map<?, ?> spec = (Map<?, ?>) manifest.dockerHost().content().get("spec");
        assertThat(spec.get("persistentVolumeClaimRetentionPolicy").toString()).contains("whenDeleted=Delete");
    }

    private static Manifest render(Path template, String storageClass) {
        try {
            Options options = Options.builder()
                .template(new TemplateSource(template.getFileName().toString(), Files.readString(template)))
                .storageClass(storageClass)
                .storageSize("12.5")
                .build();
            return KubePodEnv.render(options, KEY, Optional.of("shop-pr-7-abcde"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> claimTemplate(ManifestObject sts) {
        Map<String, Object> spec = (Map<String, Object>) sts.content().get("spec");
        Map<String, Object> claim = ((List<Map<String, Object>>) spec.get("volumeClaimTemplates")).get(0);
        Map<String, Object> result = new java.util.LinkedHashMap<>((Map<String, Object>) claim.get("spec"));
        result.put("metadata", claim.get("metadata"));
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> podSpec(ManifestObject sts) {
        Map<String, Object> spec = (Map<String, Object>) sts.content().get("spec");
        return (Map<String, Object>) ((Map<String, Object>) spec.get("template")).get("spec");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstContainer(Map<String, Object> podSpec) {
        return ((List<Map<String, Object>>) podSpec.get("containers")).get(0);
    }
}
