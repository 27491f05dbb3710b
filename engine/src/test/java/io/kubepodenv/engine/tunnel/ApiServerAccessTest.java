package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubepodenv.engine.testing.TestCertificates;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The value that lets a tunnel reach the API server without a Kubernetes client, and how it is made from one. */
class ApiServerAccessTest {
    private static final URI SERVER = URI.create("https://127.0.0.1:6443");

    @TempDir
    Path dir;

    private static ApiServerAccess withHeaders(Map<String, List<String>> headers) {
        return new ApiServerAccess(SERVER, "", "", "", headers, "", false, null, "", false);
    }

    private static KubernetesClient client(Config config) {
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private Config kubeconfig(String cluster, String user) throws Exception {
        Path file = dir.resolve("kubeconfig");
        Files.writeString(file, "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                + "contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
                + "clusters:\n- name: k\n  cluster:\n" + cluster
                + "users:\n- name: u\n  user:\n" + user);
        return Config.fromKubeconfig(null, file.toFile());
    }

    @Test
    void itsTextNamesTheHeadersAndProxyButNoSecret() throws Exception {
        TestCertificates.Issued client = new TestCertificates(dir).authority("ca").issue("client", "kpe-client");
        ApiServerAccess access = new ApiServerAccess(SERVER, "", client.certificate(), client.key(),
                Map.of("Authorization", List.of("Bearer s3cret-token")), "", false,
                URI.create("http://proxy.example:3128"), "Basic c3F1aWQ6cHc=", true);

        assertThat(access.toString()).contains("Authorization", "https://127.0.0.1:6443", "proxy.example:3128",
                "clientCertificate=given", "(with authorization)")
                .doesNotContain("s3cret", "c3F1aWQ6cHc", "PRIVATE", client.key().substring(30, 60));
    }

    @Test
    void itSurvivesSerializationUnchanged() throws Exception {
        ApiServerAccess access = withHeaders(Map.of("Authorization", List.of("Bearer t"),
                "Impersonate-Group", List.of("a", "b")));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(access);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(access);
        }
    }

    @Test
    void aClientCertificateWithoutItsKeyIsRefused() throws Exception {
        TestCertificates.Issued client = new TestCertificates(dir).authority("ca").issue("client", "kpe-client");
        assertThatThrownBy(() -> new ApiServerAccess(SERVER, "", client.certificate(), "", Map.of(), "", false, null,
                "", false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client certificate: a certificate and its key are given together or not at all");
    }

    @Test
    void aKeyThatIsNotPkcs8IsRefusedWithoutBeingQuoted() throws Exception {
        TestCertificates.Issued client = new TestCertificates(dir).authority("ca").issue("client", "kpe-client");
        assertThatThrownBy(() -> new ApiServerAccess(SERVER, "", client.certificate(), client.legacyKey(), Map.of(),
                "", false, null, "", false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client key: not PKCS#8 PEM (expected -----BEGIN PRIVATE KEY-----)");
    }

    @Test
    void aHeaderValueSpanningLinesIsRefused() {
        assertThatThrownBy(() -> withHeaders(Map.of("Authorization", List.of("Bearer a\r\nX-Evil: 1"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("header 'Authorization': a value is missing or spans lines");
    }

    @Test
    void aServerUrlWithCredentialsInItIsRefused() {
        assertThatThrownBy(() -> new ApiServerAccess(URI.create("https://u:p@host"), "", "", "", Map.of(), "", false,
                null, "", false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not carry user info").hasMessageNotContaining("u:p");
    }

    @Test
    void aClientsTokenAndImpersonationBecomeHeadersResolvedOnce() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:6443/")
                .withOauthToken("s3cret-token").withImpersonateUsername("alice").build();
        try (KubernetesClient client = client(config)) {
            ApiServerAccess access = KubernetesClientAccess.of(client);

            assertThat(access.server()).isEqualTo(URI.create("https://127.0.0.1:6443/"));
            assertThat(access.headers()).containsEntry("Authorization", List.of("Bearer s3cret-token"))
                    .containsEntry("Impersonate-User", List.of("alice"));
            assertThat(access.refreshingCredentials()).as("a fixed token does not renew itself").isFalse();
            assertThat(access.insecureSkipTlsVerify()).isFalse();
        }
    }

    @Test
    void aKubeconfigsTlsServerNameCaAndClientKeyInItsOwnFormatAreCarried() throws Exception {
        TestCertificates.Authority ca = new TestCertificates(dir).authority("ca");
        TestCertificates.Issued client = ca.issue("client", "kpe-client");
        Config config = kubeconfig("    server: https://127.0.0.1:6443\n    tls-server-name: api.internal\n"
                + "    certificate-authority-data: " + base64(ca.certificate) + "\n",
                "    client-certificate-data: " + base64(client.certificate()) + "\n"
                        + "    client-key-data: " + base64(client.legacyKey()) + "\n");
        try (KubernetesClient c = client(config)) {
            ApiServerAccess access = KubernetesClientAccess.of(c);

            assertThat(access.tlsServerName()).isEqualTo("api.internal");
            assertThat(access.caCertificateList()).hasSize(1);
            assertThat(access.clientKey()).startsWith("-----BEGIN PRIVATE KEY-----");
            assertThat(((ECPrivateKey) access.clientPrivateKey()).getS()).as("the same key, now PKCS#8")
                    .isEqualTo(((ECPrivateKey) new ApiServerAccess(SERVER, "", client.certificate(), client.key(),
                            Map.of(), "", false, null, "", false).clientPrivateKey()).getS());
            assertThat(access.insecureSkipTlsVerify()).as("the kubeconfig does not say insecure").isFalse();
        }
    }

    @Test
    void insecureSkipTlsVerifyIsCarriedWhenTheKubeconfigSaysSo() throws Exception {
        Config config = kubeconfig("    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\n",
                "    token: t\n");
        try (KubernetesClient c = client(config)) {
            assertThat(KubernetesClientAccess.of(c).insecureSkipTlsVerify()).isTrue();
        }
    }

    @Test
    void credentialsFromAnExecPluginAreSaidToRefreshThemselves() throws Exception {
        Path credential = Files.writeString(dir.resolve("credential.json"), "{\"apiVersion\":"
                + "\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"exec-token\"}}");
        Config config = kubeconfig("    server: https://127.0.0.1:6443\n",
                "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: cat\n"
                        + "      interactiveMode: Never\n      args:\n      - " + credential + "\n");
        try (KubernetesClient c = client(config)) {
            ApiServerAccess access = KubernetesClientAccess.of(c);

            assertThat(access.refreshingCredentials()).isTrue();
            assertThat(access.headers()).containsEntry("Authorization", List.of("Bearer exec-token"));
        }
    }

    @Test
    void credentialsThatRenewThemselvesAreSentAsAConnectionThatMakesItsOwnClient() throws Exception {
        Path credential = Files.writeString(dir.resolve("credential.json"), "{\"apiVersion\":"
                + "\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"exec-token\"}}");
        Config config = kubeconfig("    server: https://127.0.0.1:6443\n",
                "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: cat\n"
                        + "      interactiveMode: Never\n      args:\n      - " + credential + "\n");
        io.kubepodenv.engine.config.ClusterConnection connection = new io.kubepodenv.engine.config.ClusterConnection(
                "https://127.0.0.1:6443", "", new io.kubepodenv.engine.config.ClusterCredentials.Token("unused"), "ci");
        try (KubernetesClient c = client(config); PodAccess access = KubernetesClientAccess.podAccess(c, connection)) {
            assertThat(access).isInstanceOf(ClientPodAccess.class);
            assertThat(access.namespace()).isEqualTo("ci");
            assertThat(access.toString()).doesNotContain("unused");
        }
    }

    @Test
    void aProxyIsCarriedWithItsCredentialsAsAHeaderNotInItsUrl() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl("https://10.0.0.1:6443/")
                .withHttpsProxy("http://proxy.example:3128").withProxyUsername("squid").withProxyPassword("pw")
                .build();
        try (KubernetesClient client = client(config)) {
            ApiServerAccess access = KubernetesClientAccess.of(client);

            assertThat(access.proxy()).isEqualTo(URI.create("http://proxy.example:3128"));
            assertThat(access.proxyAuthorization()).isEqualTo("Basic c3F1aWQ6cHc=");
        }
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
