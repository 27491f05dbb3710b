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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A credential the real API server refuses fails every operation within seconds, saying so (a 401, or a 403 for the
 * anonymous user when it does not recognise a client certificate at all), and is never retried: the API server sends such an answer after a GOAWAY on HTTP/2, which the client must not take for a passing
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

    @Test
    void aClientCertificateFromAnotherCaFailsUpWithinSecondsSayingTheClusterDidNotRecogniseIt(@TempDir Path dir) throws Exception {
        ControlPlane cluster = ControlPlane.require();
        // A certificate for a cluster administrator, signed by a CA this cluster does not trust.
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=another-ca", "-days", "1");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            "client.key", "-out", "client.csr", "-subj", "/O=system:masters/CN=intruder");
        openssl(dir, "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "client.crt", "-days", "1");
        ClusterCredentials foreign = new ClusterCredentials.ClientCertificate(
            Files.readString(dir.resolve("client.crt")), Files.readString(dir.resolve("client.key")), "EC");
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "foreign-cert")) {
            assertRefusedPromptly(cluster, foreign, ns.name(), "did not recognise the credentials");
        }
    }

    @Test
    void anExpiredClientCertificateOfThisClustersCaFailsUpWithinSecondsNamingThe401(@TempDir Path dir)
        throws Exception {
        ControlPlane cluster = ControlPlane.require();
        // A cluster administrator's certificate, signed by this cluster's own CA, valid for one day in 2020. The API
        // server answers it with a 401 (unlike a certificate of another CA, which it takes for an anonymous request).
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            "client.key", "-out", "client.csr", "-subj", "/O=system:masters/CN=expired-admin");
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "1000\n");
        Files.writeString(dir.resolve("ca.cnf"), String.join("\n", "[ca]", "default_ca = signer", "[signer]",
            "database = index.txt", "new_certs_dir = .", "serial = serial", "default_md = sha256", "policy = names",
            "[names]", "commonName = supplied", "organizationName = optional", ""));
        openssl(dir, "ca", "-batch", "-config", "ca.cnf", "-cert", cluster.caFile("ca.crt").toString(), "-keyfile",
            cluster.caFile("ca.key").toString(), "-in", "client.csr", "-out", "client.crt", "-notext",
            "-startdate", "20200101000000Z", "-enddate", "20200102000000Z");
        ClusterCredentials expired = new ClusterCredentials.ClientCertificate(
            Files.readString(dir.resolve("client.crt")), Files.readString(dir.resolve("client.key")), "EC");
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "expired-cert")) {
            assertRefusedPromptly(cluster, expired, ns.name(), "refused the credentials (HTTP 401)");
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after the refused up").isEmpty();
        }
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("openssl " + String.join(" ", args) + ": " + out).isZero();
    }

    private static void assertRefusedPromptly(ControlPlane cluster, String token, String namespace) {
        assertRefusedPromptly(cluster, new ClusterCredentials.Token(token), namespace, "HTTP 401");
    }

    private static void assertRefusedPromptly(ControlPlane cluster, ClusterCredentials credentials, String namespace,
        String saying) {
        ClusterConnection connection = new ClusterConnection(cluster.server(), cluster.caCertificatePem(),
            credentials, namespace);
        long started = System.nanoTime();
        try (KubernetesClient client = connection.newClient();
            KubePodEnv engine = new KubePodEnv(client, cluster.options(namespace).build())) {
            assertThatThrownBy(() -> engine.up(EnvironmentKey.of("it refused"), new RecordingListener("refused up")))
                .isInstanceOf(KubePodEnvException.class)
                .hasMessageContaining(saying)
                .hasMessageNotContaining("GOAWAY");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(PROMPT);
    }
}
