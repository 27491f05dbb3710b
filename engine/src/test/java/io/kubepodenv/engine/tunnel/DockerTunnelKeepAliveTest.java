package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubepodenv.engine.testing.DockerMockCluster;
import io.kubepodenv.engine.testing.EchoServer;
import io.kubepodenv.engine.testing.IdleCuttingProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A tunnel whose API server sits behind a proxy that cuts connections idle for 1.5 s, as load balancers in front of
 * API servers do after minutes: a connection through the tunnel that stays silent longer still works, because the
 * tunnel pings on it.
 */
class DockerTunnelKeepAliveTest {
    private static final String HOST = "env-k";
    private static final Duration PROXY_IDLE_LIMIT = Duration.ofMillis(1500);
    /** Longer than the proxy allows: the subject of these tests is a connection that is silent this long. */
    private static final long SILENCE_MS = 4000;

    private EchoServer echo;
    private DockerMockCluster cluster;
    private IdleCuttingProxy proxy;

    @BeforeEach
    void start() throws IOException {
        echo = EchoServer.start();
        cluster = DockerMockCluster.forTargets((pod, port) -> echo.address());
        cluster.createDockerHost(HOST);
        URI server = URI.create(cluster.client().getMasterUrl().toString());
        proxy = new IdleCuttingProxy(new InetSocketAddress(server.getHost(), server.getPort()), PROXY_IDLE_LIMIT);
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        cluster.close();
        echo.close();
    }

    private DockerTunnel open(Duration keepAlive) {
        ApiServerAccess direct = KubernetesClientAccess.of(cluster.client());
        ApiServerAccess throughProxy = new ApiServerAccess(URI.create("http://127.0.0.1:" + proxy.address().getPort()),
                "", "", "", direct.headers(), "", false, null, "", false);
        return DockerTunnel.openWithoutPing(throughProxy, DockerMockCluster.NAMESPACE, new SingleReplicaPodLocator(HOST),
                TunnelOptions.defaults().withKeepAliveInterval(keepAlive));
    }

    @Test
    void aConnectionSilentLongerThanTheProxyAllowsStillWorks() throws Exception {
        try (DockerTunnel tunnel = open(Duration.ofMillis(300));
                Socket socket = new Socket(tunnel.address().getAddress(), tunnel.port())) {
            socket.setSoTimeout(20_000);
            assertThat(echo(socket, "before")).isEqualTo("before");

            Thread.sleep(SILENCE_MS);

            assertThat(echo(socket, "after")).isEqualTo("after");
            assertThat(proxy.cuts()).as("connections the proxy cut").isZero();
        }
    }

    @Test
    void withoutAPingWithinTheProxysLimitTheSilentConnectionIsCut() throws Exception {
        try (DockerTunnel tunnel = open(Duration.ofHours(1));
                Socket socket = new Socket(tunnel.address().getAddress(), tunnel.port())) {
            socket.setSoTimeout(20_000);
            assertThat(echo(socket, "before")).isEqualTo("before");

            Thread.sleep(SILENCE_MS);

            assertThat(proxy.cuts()).as("the proxy cuts what stays silent: what the other test relies on")
                    .isPositive();
            String after;
            try {
                after = echo(socket, "after");
            } catch (IOException e) {
                after = "";
            }
            assertThat(after).isNotEqualTo("after");
        }
    }

    private static String echo(Socket socket, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        return new String(in.readNBytes(bytes.length), StandardCharsets.US_ASCII);
    }
}
