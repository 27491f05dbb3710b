package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.testing.DockerMockCluster;
import io.kubepodenv.engine.testing.PortForwardLoadClient;
import io.kubepodenv.engine.testing.PortForwardLoadServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tunnel's data path and failure handling, with a plain TCP server standing in for the pod's port. */
class DockerTunnelTest {
    private static final String HOST = "env-t";

    private PortForwardLoadServer load;
    private final AtomicReference<SocketAddress> target = new AtomicReference<>();
    private DockerMockCluster cluster;
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        load = new PortForwardLoadServer();
        target.set(load.address());
        cluster = DockerMockCluster.forTargets((pod, port) -> target.get());
        cluster.createDockerHost(HOST);
    }

    @AfterEach
    void stop() throws IOException {
        cluster.close();
        load.close();
    }

    /** A tunnel without the ping (the load server is not a Docker server). */
    private DockerTunnel openUnchecked() {
        return DockerTunnel.openWithoutPing(cluster.client(), DockerMockCluster.NAMESPACE, locator(),
                options().withListener(warnings::add));
    }

    private TunnelOptions options() {
        return TunnelOptions.defaults();
    }

    @Test
    void carriesItsPortForwardsOnItsOwnWebsocketsToTheClientsApiServer() {
        try (DockerTunnel tunnel = openUnchecked()) {
            assertThat(tunnel.transport())
                    .isEqualTo("own websocket to " + cluster.client().getMasterUrl() + ", unknown yet");
        }
    }

    @Test
    void anApiServerThatOffersNoSpdyGetsOneWebsocketPerConnection() throws IOException {
        try (DockerTunnel tunnel = openUnchecked()) {
            PortForwardLoadClient.upload(tunnel.address(), 1 << 20, 1);
            PortForwardLoadClient.upload(tunnel.address(), 1 << 20, 2);
            assertThat(tunnel.transport()).as("the mock API server speaks only v4.channel.k8s.io")
                    .isEqualTo("own websocket to " + cluster.client().getMasterUrl()
                            + ", one websocket per connection");
            assertThat(cluster.portForward().podsRequested()).as("an upgrade for each connection, the spare's too")
                    .hasSizeGreaterThanOrEqualTo(2);
        }
    }

    private StatefulSetPodLocator locator() {
        return new StatefulSetPodLocator(cluster.client(), DockerMockCluster.NAMESPACE, HOST);
    }

    @Test
    void uploadsAndDownloads64MiBIntactInFramesOf64KiBAtMost() throws IOException {
        try (DockerTunnel tunnel = openUnchecked()) {
            PortForwardLoadClient.upload(tunnel.address(), 64L << 20, 1);
            PortForwardLoadClient.download(tunnel.address(), 64L << 20, 2);
        }
        assertThat(cluster.portForward().maxFrameSeen()).isBetween(1024, 65536);
    }

    @Test
    void carriesSeveralConnectionsAtOnce() throws Exception {
        try (DockerTunnel tunnel = openUnchecked()) {
            List<Thread> threads = new java.util.ArrayList<>();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 4; i++) {
                long seed = i;
                Thread t = new Thread(() -> {
                    try {
                        PortForwardLoadClient.upload(tunnel.address(), 8L << 20, seed);
                        PortForwardLoadClient.download(tunnel.address(), 8L << 20, seed);
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join(60_000);
            }
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void listensOnLoopbackOnAnOsChosenPortByDefault() {
        try (DockerTunnel tunnel = openUnchecked()) {
            assertThat(tunnel.address().getAddress().isLoopbackAddress()).isTrue();
            assertThat(tunnel.port()).isPositive();
            assertThat(tunnel.dockerHost()).isEqualTo("tcp://127.0.0.1:" + tunnel.port());
        }
    }

    @Test
    void openFailsWithTheReasonWhenThereIsNoReadyPod() {
        cluster.deletePod(HOST + "-0");
        cluster.createUnreadyPod(HOST, HOST + "-0");
        int before = DockerTunnelDockerTest.tunnelThreads();
        assertThatThrownBy(() -> DockerTunnel.open(cluster.client(), DockerMockCluster.NAMESPACE, locator(),
                options().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(2))))
                .isInstanceOf(TunnelException.class)
                .hasMessageContaining("did not answer GET /_ping")
                .hasMessageContaining("StatefulSet kpe-test/env-t has no Ready pod: env-t-0 is Running");
        assertThat(DockerTunnelDockerTest.tunnelThreads()).isEqualTo(before);
    }

    @Test
    void aPodWhosePortRefusesGivesTheKubernetesErrorAtOnce() {
        target.set(null); // nothing listens in the pod
        try (DockerTunnel tunnel = openUnchecked()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> DockerPing.ping(tunnel.address(), Duration.ofSeconds(20)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("HTTP 503")
                    .hasMessageContaining("error forwarding port 2375 to pod env-t-0");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
        assertThat(warnings).anyMatch(w -> w.contains("error forwarding port 2375"));
    }

    @Test
    void aMissingStatefulSetIsNamedInTheError() {
        PodLocator missing = new StatefulSetPodLocator(cluster.client(), DockerMockCluster.NAMESPACE, "gone");
        assertThatThrownBy(missing::readyPod).isInstanceOf(NoReadyPodException.class)
                .hasMessage("StatefulSet kpe-test/gone does not exist (was the environment deleted?)");
    }

    @Test
    void refusesToListenOnAPortInUseWithAClearError() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> DockerTunnel.open(cluster.client(), DockerMockCluster.NAMESPACE, locator(),
                    options().withPort(taken.getLocalPort())))
                    .isInstanceOf(TunnelException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void closingWhileATransferRunsEndsItAndLeavesNoThreads() throws Exception {
        int before = DockerTunnelDockerTest.tunnelThreads();
        DockerTunnel tunnel = openUnchecked();
        InetSocketAddress address = tunnel.address();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread transfer = new Thread(() -> {
            try {
                PortForwardLoadClient.download(address, 4L << 30, 7);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        transfer.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (cluster.portForward().bytesDown() < (8L << 20) && System.nanoTime() < deadline) {
            Thread.sleep(5); // watching a counter that has no change notification
        }
        tunnel.close();
        transfer.join(30_000);
        assertThat(transfer.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(IOException.class);
        assertThat(DockerTunnelDockerTest.tunnelThreads()).isEqualTo(before);
    }
}
