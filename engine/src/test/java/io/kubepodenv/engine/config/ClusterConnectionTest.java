package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.kubepodenv.engine.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConnectionTest {
    private static final String SERVER = "https://k8s.example.com:6443";

    @TempDir
    Path dir;

    @Test
    void aTokenConnectionCarriesOnlyWhatWasGiven() {
        Config config = new ClusterConnection(SERVER, "", new ClusterCredentials.Token(" abc.def \n"), "ci").config();

        assertThat(config.getMasterUrl()).startsWith(SERVER);
        assertThat(config.getOauthToken()).isEqualTo("abc.def");
        assertThat(config.getNamespace()).isEqualTo("ci");
        assertThat(config.getUsername()).isNull();
        assertThat(config.getClientCertData()).isNull();
        assertThat(config.getCaCertData()).isNull();
        assertThat(config.getConnectionTimeout()).isEqualTo(ClusterConnection.CONNECT_TIMEOUT_MILLIS);
        assertThat(config.getRequestTimeout()).isEqualTo(ClusterConnection.REQUEST_TIMEOUT_MILLIS);
    }

    @Test
    void ambientSystemPropertiesNeverLeakIn() {
        String[] props = {Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, Config.KUBERNETES_OAUTH_TOKEN_SYSTEM_PROPERTY,
            Config.KUBERNETES_AUTH_BASIC_USERNAME_SYSTEM_PROPERTY, Config.KUBERNETES_NAMESPACE_SYSTEM_PROPERTY};
        try {
            System.setProperty(props[0], "https://ambient.example.com");
            System.setProperty(props[1], "ambient-token");
            System.setProperty(props[2], "ambient-user");
            System.setProperty(props[3], "ambient-ns");

            Config token = new ClusterConnection(SERVER, "", new ClusterCredentials.Token("mine"), "ci").config();
            Config kubeconfig = new ClusterConnection("", "", new ClusterCredentials.Kubeconfig(kubeconfig(), ""),
                "ci").config();

            for (Config c : new Config[] {token, kubeconfig}) {
                assertThat(c.getMasterUrl()).doesNotContain("ambient");
                assertThat(c.getOauthToken()).isNotEqualTo("ambient-token");
                assertThat(c.getUsername()).isNull();
                assertThat(c.getNamespace()).isEqualTo("ci");
            }
        } finally {
            for (String p : props) {
                System.clearProperty(p);
            }
        }
    }

    @Test
    void aCaCertificateIsPassedAsBase64OfPemWhetherPastedAsPemOrBase64() throws Exception {
        String pem = TestCertificates.pemCertificate(dir);
        String base64 = Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));

        Config fromPem = new ClusterConnection(SERVER, pem, new ClusterCredentials.Token("t0ken"), "ci").config();
        Config fromBase64 = new ClusterConnection(SERVER, base64, new ClusterCredentials.Token("t0ken"), "ci")
            .config();

        String decoded = new String(Base64.getDecoder().decode(fromPem.getCaCertData()), StandardCharsets.US_ASCII);
        assertThat(decoded).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(fromBase64.getCaCertData()).isEqualTo(fromPem.getCaCertData());
    }

    @Test
    void usernameAndPasswordBecomeBasicAuthentication() {
        Config config = new ClusterConnection(SERVER, "", new ClusterCredentials.UsernamePassword("ci", "pw-1234"),
            "ci").config();

        assertThat(config.getUsername()).isEqualTo("ci");
        assertThat(config.getPassword()).isEqualTo("pw-1234");
        assertThat(config.getOauthToken()).isNull();
    }

    @Test
    void aKeystoreBecomesAClientCertificateAndKey() throws Exception {
        for (String algorithm : new String[] {"RSA", "EC"}) {
            ClusterCredentials.ClientCertificate cert = ClientCertificates.fromKeyStore(
                TestCertificates.load(TestCertificates.keyStore(dir, algorithm)), TestCertificates.PASSWORD);

            assertThat(cert.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----");
            assertThat(cert.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
            assertThat(cert.keyAlgorithm()).isEqualTo(algorithm);
            Config config = new ClusterConnection(SERVER, "", cert, "ci").config();
            assertThat(new String(Base64.getDecoder().decode(config.getClientKeyData()), StandardCharsets.US_ASCII))
                .isEqualTo(cert.privateKeyPem());
            assertThat(config.getClientKeyAlgo()).isEqualTo(algorithm);
        }
    }

    @Test
    void aWrongKeystorePasswordSaysSoWithoutDetails() throws Exception {
        var ks = TestCertificates.load(TestCertificates.keyStore(dir, "RSA"));

        assertThatThrownBy(() -> ClientCertificates.fromKeyStore(ks, "wrong".toCharArray()))
            .isInstanceOf(InvalidInputException.class)
            .hasMessage("certificate credentials: the private key cannot be read with the credential's password");
    }

    @Test
    void aKubeconfigBringsItsServerAndTheConfiguredUrlOverridesIt() {
        Config own = new ClusterConnection("", "", new ClusterCredentials.Kubeconfig(kubeconfig(), ""), "ci")
            .config();
        Config overridden = new ClusterConnection(SERVER, "", new ClusterCredentials.Kubeconfig(kubeconfig(), ""),
            "ci").config();

        assertThat(own.getMasterUrl()).startsWith("https://kubeconfig.example.com");
        assertThat(own.getOauthToken()).isEqualTo("kubeconfig-token");
        assertThat(overridden.getMasterUrl()).startsWith(SERVER);
    }

    @Test
    void aKubeconfigContextCanBeChosenAndAnUnknownOneIsRefused() {
        Config chosen = new ClusterConnection("", "", new ClusterCredentials.Kubeconfig(kubeconfig(), "other"), "ci")
            .config();
        assertThat(chosen.getOauthToken()).isEqualTo("other-token");

        assertThatThrownBy(() -> new ClusterConnection("", "", new ClusterCredentials.Kubeconfig(kubeconfig(),
            "missing"), "ci").config()).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("missing");
    }

    @Test
    void aServerUrlIsRequiredUnlessAKubeconfigBringsOne() {
        assertThatThrownBy(() -> new ClusterConnection("", "", new ClusterCredentials.Token("t0ken"), "ci"))
            .isInstanceOf(InvalidInputException.class)
            .hasMessage("server URL: required with bearer token credentials (only a kubeconfig file brings its own)");
    }

    @Test
    void aConnectionSurvivesJavaSerializationToAnAgent() throws Exception {
        ClusterConnection c = new ClusterConnection(SERVER, "", new ClusterCredentials.Token("t0ken"), "ci");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(c);
        }
    }

    @Test
    void theMaskerKnowsTheConnectionsSecrets() {
        ClusterConnection c = new ClusterConnection("", "", new ClusterCredentials.Kubeconfig(kubeconfig(), ""), "ci");

        assertThat(c.masker().mask("got kubeconfig-token and other-token")).isEqualTo("got **** and ****");
    }

    static String kubeconfig() {
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: main
              cluster:
                server: https://kubeconfig.example.com:6443
            - name: other
              cluster:
                server: https://other.example.com:6443
            users:
            - name: ci
              user:
                token: kubeconfig-token
            - name: other
              user:
                token: other-token
            contexts:
            - name: main
              context: {cluster: main, user: ci, namespace: from-kubeconfig}
            - name: other
              context: {cluster: other, user: other}
            current-context: main
            """;
    }
}
