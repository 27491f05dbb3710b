package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.config.ClusterCredentials;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A credential the real API server refuses fails every operation within seconds, naming the 401, and is never
 * retried: the API server sends such an answer after a GOAWAY on HTTP/2, which the client must not take for a passing
 * network fault.
 */
class RefusedCredentialsIT {
    /** Far below the ready timeout and the lock's retry budget, far above one round trip. */
    private static final Duration PROMPT = Duration.ofSeconds(15);

    @Test
    void aWrongTokenFailsUpWithinSecondsNamingThe401AndLeavesNothing() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "refused")) {
            assertRefusedPromptly(cluster, "not-a-token-this-cluster-issued", ns.name());
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after the refused up").isEmpty();
        }
    }

    @Test
    void aRevokedServiceAccountTokenFailsUpWithinSecondsNamingThe401() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "revoked")) {
            admin.serviceAccounts().inNamespace(ns.name()).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("gone").endMetadata().build()).create();
            String token = admin.serviceAccounts().inNamespace(ns.name()).withName("gone")
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                .getStatus().getToken();
            admin.serviceAccounts().inNamespace(ns.name()).withName("gone").delete();
            Waits.until("the service account is gone", Duration.ofSeconds(30),
                () -> admin.serviceAccounts().inNamespace(ns.name()).withName("gone").get() == null, () -> "");

            assertRefusedPromptly(cluster, token, ns.name());
        }
    }

    private static void assertRefusedPromptly(ControlPlane cluster, String token, String namespace) {
        ClusterConnection connection = new ClusterConnection(cluster.server(), cluster.caCertificatePem(),
            new ClusterCredentials.Token(token), namespace);
        long started = System.nanoTime();
        try (KubernetesClient client = connection.newClient();
            KubePodEnv engine = new KubePodEnv(client, cluster.options(namespace).build())) {
            assertThatThrownBy(() -> engine.up(EnvironmentKey.of("it refused"), new RecordingListener("refused up")))
                .isInstanceOf(KubePodEnvException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageNotContaining("GOAWAY");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(PROMPT);
    }
}
