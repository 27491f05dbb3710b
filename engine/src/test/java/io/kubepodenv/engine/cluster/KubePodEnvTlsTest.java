package io.kubepodenv.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.DockerEndpoint;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.TemplateSource;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.PortForwardBridge;
import io.kubepodenv.engine.testing.RecordingListener;
import io.kubepodenv.engine.testing.TlsTestServer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A template that serves Docker over TLS is reached on its TLS port and checked with a TLS handshake. */
class KubePodEnvTlsTest {
    private static final EnvironmentKey KEY = EnvironmentKey.of("shop/PR-44");

    @TempDir
    Path dir;

    private static TemplateSource tlsTemplate() throws Exception {
        Path file = Path.of("..", "examples", "templates", "docker-tls.yaml.j2");
        return new TemplateSource(file.getFileName().toString(), Files.readString(file));
    }

    @Test
    void upForwardsTheTlsPortAndFindsATlsServerThere() throws Exception {
        List<String> forwards = new CopyOnWriteArrayList<>();
        try (TlsTestServer tls = new TlsTestServer(dir)) {
            InetSocketAddress target = tls.address();
            PortForwardBridge bridge = new PortForwardBridge((pod, port) -> {
                forwards.add(pod + ":" + port);
                return port == 2376 ? target : null;
            });
            RecordingListener listener = new RecordingListener();
            try (MockCluster cluster = new MockCluster(bridge);
                KubePodEnv engine = new KubePodEnv(cluster.client(),
                    cluster.options().template(tlsTemplate()).build())) {
                ReadyEnvironment ready = engine.up(KEY, listener);
                assertThat(ready.environment().docker()).isEqualTo(new DockerEndpoint(2376, true));
                assertThat(forwards).contains(ready.environment().id() + "-0:2376").noneMatch(f -> f.endsWith(":2375"));
                assertThat(listener.lines()).anyMatch(l -> l.contains("answers through the tunnel (TLS)"));
                assertThat(engine.find(KEY).orElseThrow().docker()).isEqualTo(new DockerEndpoint(2376, true));
            }
        }
    }

    @Test
    void aPlainServerBehindATlsPortIsNotReady() throws Exception {
        try (java.net.ServerSocket plain = new java.net.ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress())) {
            SocketAddress target = plain.getLocalSocketAddress();
            PortForwardBridge bridge = new PortForwardBridge((pod, port) -> target);
            try (MockCluster cluster = new MockCluster(bridge);
                KubePodEnv engine = new KubePodEnv(cluster.client(),
                    cluster.options().template(tlsTemplate()).build())) {
                assertThatThrownBy(() -> engine.up(KEY, new RecordingListener()))
                    .isInstanceOf(EnvironmentFailedException.class)
                    .hasMessageContaining("does not answer on port 2376")
                    .hasMessageContaining("with TLS");
                assertThat(cluster.awaitNoManagedObjects(Duration.ofSeconds(10))).isEmpty();
            }
        }
    }
}
