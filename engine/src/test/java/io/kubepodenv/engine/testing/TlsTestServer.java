package io.kubepodenv.engine.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server on loopback with a self-signed certificate (made with the JDK's keytool) that demands a client
 * certificate, as a Docker server with {@code --tlsverify} does. It accepts connections until closed.
 */
public final class TlsTestServer implements AutoCloseable {
    private final SSLServerSocket server;
    private final Thread acceptor;

    public TlsTestServer(Path workDir) throws Exception {
        Path keystore = workDir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
            "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
            "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: "
                + new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        server = (SSLServerSocket) context.getServerSocketFactory()
            .createServerSocket(0, 16, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        acceptor = new Thread(this::acceptLoop, "tls-test-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                SSLSocket s = (SSLSocket) server.accept();
                Thread t = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream()) {
                        s.setSoTimeout(5000);
                        in.read(); // drives the handshake; ends with an alert when the client has no certificate
                    } catch (IOException e) {
                        // expected for clients without a certificate
                    }
                }, "tls-test-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
