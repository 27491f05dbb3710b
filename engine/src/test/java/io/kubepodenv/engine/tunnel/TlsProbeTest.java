package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import io.kubepodenv.engine.testing.TlsTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsProbeTest {
    @TempDir
    Path dir;

    @Test
    void aTlsServerThatWantsAClientCertificateCountsAsAnswering() throws Exception {
        try (TlsTestServer server = new TlsTestServer(dir)) {
            assertThatCode(() -> TlsProbe.probe(server.address(), Duration.ofSeconds(5))).doesNotThrowAnyException();
        }
    }

    @Test
    void aPlainHttpAnswerIsNotATlsServer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread serving = new Thread(() -> {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the probe may close first
                }
            });
            serving.start();
            assertThatThrownBy(() -> TlsProbe.probe(address(server), Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class);
            serving.join(5000);
        }
    }

    @Test
    void nothingListeningIsNotATlsServer() throws Exception {
        InetSocketAddress closed;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = address(server);
        }
        assertThatThrownBy(() -> TlsProbe.probe(closed, Duration.ofSeconds(2))).isInstanceOf(IOException.class);
    }

    private static InetSocketAddress address(ServerSocket server) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }
}
