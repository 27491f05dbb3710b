package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import org.junit.jupiter.api.Test;

/**
 * Real server-side apply: a field owned by another field manager with another value makes {@code up} fail with the
 * API server's conflict message, and nothing is forced.
 */
class ServerSideApplyConflictIT {
    private static final String SHARED = "kpe-it-shared-settings";

    @Test
    void upFailsWithTheServersConflictMessageWhenAnotherManagerOwnsTheFieldAndForcesNothing() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "ssa")) {
            // Another tool owns data.mode of a ConfigMap, through its own server-side apply.
            admin.resource(new ConfigMapBuilder().withNewMetadata().withName(SHARED).withNamespace(ns.name())
                .endMetadata().addToData("mode", "theirs").build()).fieldManager("other-tool").serverSideApply();

            // A template that also sets that field, to another value.
            Options options = cluster.options(ns.name()).template(Templates.prepending("template sharing a ConfigMap",
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                  namespace: {{ namespace }}
                data:
                  mode: ours
                """.formatted(SHARED))).build();
            try (KubePodEnv engine = new KubePodEnv(admin, options)) {
                assertThatThrownBy(() -> engine.up(EnvironmentKey.of("it ssa"), new RecordingListener("ssa up")))
                    .isInstanceOf(EnvironmentFailedException.class)
                    .hasMessageContaining("cannot apply ConfigMap " + SHARED)
                    .hasMessageContaining("HTTP 409")
                    .hasMessageContaining("Apply failed with 1 conflict")
                    .hasMessageContaining("conflict with \"other-tool\"")
                    .hasMessageContaining(".data.mode");
            }

            ConfigMap after = admin.configMaps().inNamespace(ns.name()).withName(SHARED).get();
            assertThat(after.getData()).containsEntry("mode", "theirs");
            assertThat(after.getMetadata().getManagedFields()).extracting(ManagedFieldsEntry::getManager)
                .containsExactly("other-tool");
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("objects left by the failed up").isEmpty();
        }
    }
}
