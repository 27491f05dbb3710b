package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import org.junit.jupiter.api.Test;

/** A template our checks accept but the API server's validation rejects. */
class ServerValidationIT {
    @Test
    void aTemplateTheServerRejectsFailsWithTheServersMessageNamingTheFieldAndLeavesNothing() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "invalid")) {
            // Not the port named "docker": kube-pod-env itself refuses an impossible Docker port before apply.
            Options options = cluster.options(ns.name()).template(Templates.replacing("template with a bad port",
                "name: docker\n          containerPort: 2375", "name: extra\n          containerPort: 99999")).build();
            RecordingListener listener = new RecordingListener("invalid up");
            try (KubePodEnv engine = new KubePodEnv(admin, options)) {
                assertThatThrownBy(() -> engine.up(EnvironmentKey.of("it invalid"), listener))
                    .isInstanceOf(EnvironmentFailedException.class)
                    .hasMessageContaining("cannot apply StatefulSet")
                    .hasMessageContaining("the cluster rejected the object (HTTP 422)")
                    .hasMessageContaining("spec.template.spec.containers[0].ports[0].containerPort")
                    .hasMessageContaining("99999")
                    .hasMessageContaining("between 1 and 65535");
            }
            // The objects applied before the StatefulSet were deleted again.
            assertThat(listener.text()).contains("applied ServiceAccount").contains("deleting the failed environment");
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("objects left by the failed up").isEmpty();
        }
    }
}
