package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.testing.DockerMockCluster;
import io.kubepodenv.engine.testing.PortForwardLoadClient;
import io.kubepodenv.engine.testing.PortForwardLoadServer;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The port-forward a tunnel keeps open for its next connection: when it is used, when not, and its end. */
class SparePortForwardTest {
    private static final String HOST = "env-s";

    private PortForwardLoadServer load;
    private final AtomicReference<SocketAddress> target = new AtomicReference<>();
    private DockerMockCluster cluster;

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

    private DockerTunnel open() {
        return DockerTunnel.openWithoutPing(cluster.client(), DockerMockCluster.NAMESPACE,
                new StatefulSetPodLocator(cluster.client(), DockerMockCluster.NAMESPACE, HOST),
                TunnelOptions.defaults());
    }

    private List<String> requested() {
        return cluster.portForward().podsRequested();
    }

    @Test
    void theNextConnectionTakesTheSpareAndOnlyANewSpareIsOpened() throws Exception {
        try (DockerTunnel tunnel = open()) {
            PortForwardLoadClient.upload(tunnel.address(), 1 << 20, 1);
            awaitTrue(() -> requested().size() == 2); // the connection, then the spare
            awaitTrue(() -> cluster.portForward().openSessions() == 1); // only the spare is left open

            PortForwardLoadClient.download(tunnel.address(), 8 << 20, 2);
            PortForwardLoadClient.upload(tunnel.address(), 8 << 20, 3);
            awaitTrue(() -> requested().size() == 4);
            Thread.sleep(200); // nothing more may come
            assertThat(requested()).as("each connection took the spare; each take opened one more")
                    .containsExactly(HOST + "-0", HOST + "-0", HOST + "-0", HOST + "-0");
        }
        awaitTrue(() -> cluster.portForward().openSessions() == 0);
    }

    @Test
    void aTunnelAskedForNoSpareOpensNone() throws Exception {
        try (DockerTunnel tunnel = DockerTunnel.openWithoutPing(cluster.client(), DockerMockCluster.NAMESPACE,
                new StatefulSetPodLocator(cluster.client(), DockerMockCluster.NAMESPACE, HOST),
                TunnelOptions.defaults().withWarm(false))) {
            PortForwardLoadClient.upload(tunnel.address(), 1 << 20, 1);
            PortForwardLoadClient.upload(tunnel.address(), 1 << 20, 2);
            Thread.sleep(200);
            assertThat(requested()).containsExactly(HOST + "-0", HOST + "-0");
        }
    }

    @Test
    void aSpareOnWhichTheServerReportedAnErrorIsNotUsed() throws Exception {
        try (DockerTunnel tunnel = open()) {
            PortForwardLoadClient.upload(tunnel.address(), 1 << 20, 1);
            awaitTrue(() -> requested().size() == 2);
            target.set(null); // the next port-forwards find nothing listening: the spare already has its target

            // the spare is healthy and is used; the spare opened after it gets the error
            PortForwardLoadClient.upload(tunnel.address(), 1 << 20, 2);
            awaitTrue(() -> requested().size() == 3);
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> DockerPing.ping(tunnel.address(), Duration.ofSeconds(20)))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("HTTP 503")
                        .hasMessageContaining("error forwarding port 2375 to pod " + HOST + "-0");
            }
            // each ping passed over the spare that had the error, opened its own, and then a new spare
            awaitTrue(() -> requested().size() == 7);
            Thread.sleep(200);
            assertThat(requested()).hasSize(7);
        }
    }

    @Test
    void aSpareForAPodThatIsNoLongerTheOneIsClosedAndTheNewPodIsUsed() throws Exception {
        try (DockerTunnel tunnel = open()) {
            PortForwardLoadClient.upload(tunnel.address(), 1 << 20, 1);
            awaitTrue(() -> requested().size() == 2);
            cluster.replacePod(HOST, HOST + "-0", HOST + "-1");

            PortForwardLoadClient.upload(tunnel.address(), 1 << 20, 2);
            awaitTrue(() -> requested().size() == 4);
            assertThat(requested().subList(2, 4)).containsExactly(HOST + "-1", HOST + "-1");
            awaitTrue(() -> cluster.portForward().openSessions() == 1); // the spare for -0 was closed
        }
    }

    @Test
    void aSpareNobodyTakesIsClosedWhenItIsTooOld() throws Exception {
        DirectPortForward transport = new DirectPortForward(KubernetesClientAccess.endpoint(cluster.client()),
                DockerMockCluster.NAMESPACE, TunnelOptions.defaults());
        SparePortForward spares = new SparePortForward(transport, DockerMockCluster.NAMESPACE,
                TunnelOptions.defaults(), "kpe-tunnel-test-spare");
        assertThat(spares.take(HOST + "-0")).as("none yet").isNull();
        awaitTrue(() -> spares.waitingFor() != null);
        assertThat(cluster.portForward().openSessions()).isEqualTo(1);

        spares.expire(System.nanoTime());
        assertThat(spares.waitingFor()).as("younger than the limit").isNotNull();
        spares.expire(System.nanoTime() + SparePortForward.MAX_AGE.toNanos());
        assertThat(spares.waitingFor()).isNull();
        awaitTrue(() -> cluster.portForward().openSessions() == 0);

        assertThat(spares.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(10))).isTrue();
        assertThat(spares.take(HOST + "-0")).isNull();
        Thread.sleep(200);
        assertThat(spares.waitingFor()).as("none is opened after close").isNull();
        assertThat(cluster.portForward().openSessions()).isZero();
    }

    @Test
    void closeEndsASpareThatIsStillOpeningAtOnce() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (java.net.Socket s = silent.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    Thread.sleep(30_000); // never answers the upgrade
                } catch (IOException | InterruptedException e) {
                    // the test is over
                }
            });
            server.setDaemon(true);
            server.start();
            io.fabric8.kubernetes.client.Config config = new io.fabric8.kubernetes.client.ConfigBuilder(
                    io.fabric8.kubernetes.client.Config.empty())
                    .withMasterUrl("http://127.0.0.1:" + silent.getLocalPort() + "/").build();
            try (io.fabric8.kubernetes.client.KubernetesClient client =
                    new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build()) {
                TunnelOptions options = TunnelOptions.defaults();
                SparePortForward spares = new SparePortForward(new DirectPortForward(
                        KubernetesClientAccess.endpoint(client), "ns", options), "ns", options,
                        "kpe-tunnel-test-spare");
                assertThat(spares.take("p-0")).isNull();
                Thread.sleep(200); // the opener is waiting for the upgrade's answer (10 s allowed)
                long start = System.nanoTime();

                assertThat(spares.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(10))).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
                assertThat(spares.waitingFor()).isNull();
            }
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the condition did not become true within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
