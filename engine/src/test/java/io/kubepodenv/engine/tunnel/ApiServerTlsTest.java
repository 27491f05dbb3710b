package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.testing.TestCertificates;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS of the tunnel's connections to the API server, against a TLS server on loopback whose certificates the test
 * makes: which server certificates are accepted (names, IP addresses, {@code tls-server-name}, CA bundles,
 * {@code insecure-skip-tls-verify}) and that a client certificate is presented.
 */
class ApiServerTlsTest {
    @TempDir
    static java.nio.file.Path dir;

    private static TestCertificates.Authority ca;
    private static TestCertificates.Authority otherCa;
    private static TestCertificates.Issued forIp;
    private static TestCertificates.Issued forLocalhost;
    private static TestCertificates.Issued forInternalName;
    private static TestCertificates.Issued forOtherHost;
    private static TestCertificates.Issued fromOtherCa;
    private static TestCertificates.Issued client;

    private final List<TlsServer> servers = new ArrayList<>();

    @BeforeAll
    static void certificates() throws IOException {
        TestCertificates certificates = new TestCertificates(dir);
        ca = certificates.authority("ca");
        otherCa = certificates.authority("other-ca");
        forIp = ca.issue("ip", "api", "IP:127.0.0.1");
        forLocalhost = ca.issue("localhost", "api", "DNS:localhost");
        forInternalName = ca.issue("internal", "api", "DNS:api.internal");
        forOtherHost = ca.issue("other-host", "api", "DNS:other.example", "IP:10.9.9.9");
        fromOtherCa = otherCa.issue("from-other", "api", "IP:127.0.0.1");
        client = ca.issue("client", "kpe-client");
    }

    @AfterEach
    void close() throws IOException {
        for (TlsServer s : servers) {
            s.socket.close();
        }
    }

    /** A TLS server with {@code identity}, asking for a client certificate from {@code clientCa} when given. */
    private TlsServer serve(TestCertificates.Issued identity, String clientCa) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", key(identity.key()), new char[0], certificates(identity.certificate())
                .toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        TrustManagerFactory tmf = null;
        if (clientCa != null) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", certificates(clientCa).get(0));
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 10,
                InetAddress.getLoopbackAddress());
        socket.setNeedClientAuth(clientCa != null);
        TlsServer server = new TlsServer(socket);
        servers.add(server);
        Thread t = new Thread(server::run, "tls-test-server");
        t.setDaemon(true);
        t.start();
        return server;
    }

    private static final class TlsServer {
        final SSLServerSocket socket;
        final List<String> serverNames = new CopyOnWriteArrayList<>();
        final List<String> clients = new CopyOnWriteArrayList<>();

        TlsServer(SSLServerSocket socket) {
            this.socket = socket;
        }

        void run() {
            while (!socket.isClosed()) {
                try (SSLSocket s = (SSLSocket) socket.accept()) {
                    s.setSoTimeout(10_000);
                    try {
                        s.startHandshake();
                    } catch (IOException e) {
                        continue; // the client refused us, or we refused the client
                    }
                    ((ExtendedSSLSession) s.getSession()).getRequestedServerNames().forEach(n -> serverNames.add(
                            ((SNIHostName) n).getAsciiName()));
                    if (socket.getNeedClientAuth()) {
                        clients.add(s.getSession().getPeerPrincipal().getName());
                    }
                    s.getOutputStream().write('k');
                    s.getOutputStream().flush();
                    s.getInputStream().read(); // until the client closes
                } catch (IOException e) {
                    // closed, or the client went away
                }
            }
        }

        int port() {
            return socket.getLocalPort();
        }
    }

    private static ApiServerAccess access(String url, String caBundle, String tlsServerName, boolean insecure,
            TestCertificates.Issued clientCertificate) {
        return new ApiServerAccess(URI.create(url), caBundle,
                clientCertificate == null ? "" : clientCertificate.certificate(),
                clientCertificate == null ? "" : clientCertificate.key(), Map.of(), tlsServerName, insecure, null, "",
                false);
    }

    /** Connects as the tunnel does and reads the server's one byte: the handshake and the session both held. */
    private static void talk(ApiServerAccess access) throws IOException {
        Socket[] sockets = new ApiServerEndpoint(access, ApiServerCredentials.fixed(access))
                .connect(Duration.ofSeconds(10), s -> { });
        try (Socket raw = sockets[1]) {
            assertThat(sockets[0].getInputStream().read()).isEqualTo('k');
        }
    }

    @Test
    void aCertificateForTheServersIpAddressIsAccepted() throws Exception {
        TlsServer server = serve(forIp, null);

        talk(access("https://127.0.0.1:" + server.port(), ca.certificate, "", false, null));
    }

    @Test
    void aCertificateForTheServersHostNameIsAccepted() throws Exception {
        TlsServer server = serve(forLocalhost, null);

        talk(access("https://localhost:" + server.port(), ca.certificate, "", false, null));
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        TlsServer server = serve(forOtherHost, null);

        assertThatThrownBy(() -> talk(access("https://127.0.0.1:" + server.port(), ca.certificate, "", false, null)))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("127.0.0.1");
    }

    @Test
    void theTlsServerNameIsTheNameCheckedAndTheNameSentInSni() throws Exception {
        TlsServer server = serve(forInternalName, null);

        talk(access("https://127.0.0.1:" + server.port(), ca.certificate, "api.internal", false, null));
        assertThat(server.serverNames).containsExactly("api.internal");
    }

    @Test
    void withATlsServerNameACertificateForTheAddressAloneIsRefused() throws Exception {
        TlsServer server = serve(forIp, null);

        assertThatThrownBy(() -> talk(access("https://127.0.0.1:" + server.port(), ca.certificate, "api.internal",
                false, null))).isInstanceOf(SSLHandshakeException.class).hasMessageContaining("api.internal");
    }

    @Test
    void aCertificateFromAnAuthorityNotInTheBundleIsRefused() throws Exception {
        TlsServer server = serve(fromOtherCa, null);

        assertThatThrownBy(() -> talk(access("https://127.0.0.1:" + server.port(), ca.certificate, "", false, null)))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void withoutACaTheJvmsTrustStoreDecidesAndRefusesATestAuthority() throws Exception {
        TlsServer server = serve(forIp, null);

        assertThatThrownBy(() -> talk(access("https://127.0.0.1:" + server.port(), "", "", false, null)))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void everyAuthorityOfABundleIsTrusted() throws Exception {
        TlsServer fromFirst = serve(forIp, null);
        TlsServer fromSecond = serve(fromOtherCa, null);
        String bundle = otherCa.certificate + ca.certificate;

        talk(access("https://127.0.0.1:" + fromFirst.port(), bundle, "", false, null));
        talk(access("https://127.0.0.1:" + fromSecond.port(), bundle, "", false, null));
    }

    @Test
    void skipVerifyAcceptsAnUnknownAuthorityAndAnotherNameOnlyWhenAskedFor() throws Exception {
        TlsServer server = serve(forOtherHost, null);
        String url = "https://127.0.0.1:" + server.port();

        assertThatThrownBy(() -> talk(access(url, otherCa.certificate, "", false, null)))
                .isInstanceOf(SSLHandshakeException.class);
        talk(access(url, otherCa.certificate, "", true, null));
    }

    @Test
    void theClientCertificateIsPresentedToAServerThatAsksForOne() throws Exception {
        TlsServer server = serve(forIp, ca.certificate);

        talk(access("https://127.0.0.1:" + server.port(), ca.certificate, "", false, client));
        assertThat(server.clients).containsExactly("CN=kpe-client");
    }

    @Test
    void aServerThatRequiresAClientCertificateEndsAConnectionWithoutOne() throws Exception {
        TlsServer server = serve(forIp, ca.certificate);

        assertThatThrownBy(() -> talk(access("https://127.0.0.1:" + server.port(), ca.certificate, "", false, null)))
                .isInstanceOf(IOException.class);
        assertThat(server.clients).isEmpty();
    }

    private static List<Certificate> certificates(String pem) throws Exception {
        return new ArrayList<>(CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
    }

    private static PrivateKey key(String pem) throws Exception {
        String body = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder()
                .decode(body)));
    }
}
