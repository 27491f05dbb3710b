package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.testing.DockerDaemonFixture;
import io.kubepodenv.engine.testing.DockerDaemonFixture.Result;
import io.kubepodenv.engine.testing.DockerMockCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tunnel with the real docker command line and a real Docker daemon behind a mock API server's port-forward.
 * Needs testing/docker/start.sh to have run; fails (never skips) otherwise.
 */
class DockerTunnelDockerTest {
    private static final Duration CMD = Duration.ofMinutes(2);
    private static final String HOST = "env-a";
    private static DockerDaemonFixture docker;

    private DockerMockCluster cluster;
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void daemon() {
        docker = DockerDaemonFixture.require();
    }

    @BeforeEach
    void cluster() {
        cluster = DockerMockCluster.forDocker(docker);
        cluster.createDockerHost(HOST);
    }

    @AfterEach
    void closeCluster() {
        cluster.close();
    }

    private DockerTunnel open() {
        return DockerTunnel.open(cluster.client(), DockerMockCluster.NAMESPACE,
                new StatefulSetPodLocator(cluster.client(), DockerMockCluster.NAMESPACE, HOST),
                TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(20))
                        .withListener(warnings::add));
    }

    private Result docker(DockerTunnel tunnel, String... args) {
        return docker.dockerVia(tunnel.dockerHost(), CMD, null, args);
    }

    @Test
    void dockerVersionAnswersThroughTheTunnel() {
        try (DockerTunnel tunnel = open()) {
            assertThat(tunnel.dockerHost()).isEqualTo("tcp://127.0.0.1:" + tunnel.port());
            Result r = docker(tunnel, "version", "--format", "{{.Server.Version}}").requireSuccess();
            assertThat(r.stdout().trim()).isNotEmpty();
            assertThat(cluster.portForward().podsRequested()).contains(HOST + "-0");
        }
    }

    @Test
    void runsAContainerWithoutNetwork() {
        try (DockerTunnel tunnel = open()) {
            Result r = docker(tunnel, "run", "--rm", "--network", "none", docker.image(), "echo", "hello from pod")
                    .requireSuccess();
            assertThat(r.stdout()).contains("hello from pod");
        }
    }

    @Test
    void buildsAnImageFromASmallContext() throws IOException {
        Path context = Files.createDirectories(tmp.resolve("context"));
        Files.writeString(context.resolve("hello.txt"), "built through the tunnel\n");
        Files.writeString(context.resolve("Dockerfile"), "FROM " + docker.image() + "\nCOPY hello.txt /hello.txt\n"
                + "RUN cat /hello.txt\n");
        String tag = "kpe-test/built:" + UUID.randomUUID().toString().substring(0, 8);
        try (DockerTunnel tunnel = open()) {
            docker.dockerVia(tunnel.dockerHost(), CMD, context, "build", "--network", "none", "-t", tag, ".")
                    .requireSuccess();
            Result r = docker(tunnel, "run", "--rm", "--network", "none", tag, "cat", "/hello.txt").requireSuccess();
            assertThat(r.stdout()).isEqualTo("built through the tunnel\n");
            docker(tunnel, "rmi", tag).requireSuccess();
        }
    }

    @Test
    void transfers512MiBBothWaysWithMatchingChecksums() throws Exception {
        long size = 512L << 20;
        Path upload = tmp.resolve("upload.bin");
        String sent = writeRandom(upload, size);
        String name = "kpe-xfer-" + UUID.randomUUID().toString().substring(0, 8);
        try (DockerTunnel tunnel = open()) {
            docker(tunnel, "create", "--name", name, "--network", "none", docker.image(), "sha256sum", "/data")
                    .requireSuccess();
            try {
                docker(tunnel, "cp", upload.toString(), name + ":/data").requireSuccess();
                Result inContainer = docker(tunnel, "start", "-a", name).requireSuccess();
                assertThat(inContainer.stdout()).startsWith(sent);
                Path back = Files.createDirectories(tmp.resolve("back"));
                Files.delete(upload); // keep the disk footprint down
                docker(tunnel, "cp", name + ":/data", back.toString()).requireSuccess();
                assertThat(sha256(back.resolve("data"))).isEqualTo(sent);
            } finally {
                docker(tunnel, "rm", "-f", name);
            }
        }
        assertThat(cluster.portForward().maxFrameSeen()).isLessThanOrEqualTo(65536);
    }

    @Test
    void aKilledConnectionFailsThatTransferOnlyAndTheNextCommandWorks() throws Exception {
        Path upload = tmp.resolve("big.bin");
        writeRandom(upload, 256L << 20);
        String name = "kpe-kill-" + UUID.randomUUID().toString().substring(0, 8);
        try (DockerTunnel tunnel = open()) {
            docker(tunnel, "create", "--name", name, "--network", "none", docker.image(), "true").requireSuccess();
            try {
                long before = cluster.portForward().bytesUp();
                CompletableFuture<Result> copy = CompletableFuture.supplyAsync(
                        () -> docker(tunnel, "cp", upload.toString(), name + ":/data"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (cluster.portForward().bytesUp() - before < (16L << 20) && !copy.isDone()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(5); // watching a byte counter that has no change notification
                }
                assertThat(copy).as("the copy must still be running when the connection is killed").isNotDone();
                cluster.portForward().killAll();
                Result killed = copy.get(60, TimeUnit.SECONDS);
                assertThat(killed.exitCode()).isNotZero();
                assertThat(docker(tunnel, "version", "--format", "{{.Server.Version}}").requireSuccess().stdout())
                        .isNotBlank();
                Result ls = docker(tunnel, "ps", "-a", "--filter", "name=" + name, "--format", "{{.Names}}")
                        .requireSuccess();
                assertThat(ls.stdout().trim()).isEqualTo(name);
            } finally {
                docker(tunnel, "rm", "-f", name);
            }
            awaitNoConnections(tunnel);
        }
    }

    @Test
    void followsTheNewPodWhenThePodIsReplaced() {
        try (DockerTunnel tunnel = open()) {
            docker(tunnel, "version").requireSuccess();
            cluster.replacePod(HOST, HOST + "-0", HOST + "-1");
            docker(tunnel, "version").requireSuccess();
            List<String> pods = cluster.portForward().podsRequested();
            assertThat(pods.get(pods.size() - 1)).isEqualTo(HOST + "-1");
        }
    }

    @Test
    void withoutAReadyPodTheNextCommandFailsFastWithTheReason() {
        try (DockerTunnel tunnel = open()) {
            cluster.deletePod(HOST + "-0");
            cluster.createUnreadyPod(HOST, HOST + "-0");
            long start = System.nanoTime();
            Result r = docker(tunnel, "version", "--format", "{{.Server.Version}}");
            assertThat(r.exitCode()).isNotZero();
            assertThat(r.stderr()).contains("no Ready pod").contains(HOST + "-0");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            assertThat(warnings).anyMatch(w -> w.contains("no Ready pod"));

            cluster.deletePod(HOST + "-0");
            cluster.createReadyPod(HOST, HOST + "-0");
            docker(tunnel, "version").requireSuccess();
        }
    }

    @Test
    void closeEndsTheListenerOpenConnectionsAndThreads() throws Exception {
        int before = tunnelThreads();
        DockerTunnel tunnel = open();
        int port = tunnel.port();
        // an open, idle connection through the tunnel (a docker client between requests)
        Socket idle = new Socket("127.0.0.1", port);
        idle.getOutputStream().write("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n".getBytes());
        InputStream in = idle.getInputStream();
        byte[] buf = new byte[4096];
        assertThat(in.read(buf)).isPositive();
        assertThat(tunnel.openConnections()).isPositive();
        assertThat(tunnelThreads()).isGreaterThan(before);

        tunnel.close();

        idle.setSoTimeout(5000);
        assertThat(readToEnd(in)).isTrue();
        idle.close();
        assertThat(tunnel.openConnections()).isZero();
        assertThat(tunnelThreads()).isEqualTo(before);
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cluster.portForward().openSessions() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20); // the server learns of the close asynchronously
        }
        assertThat(cluster.portForward().openSessions()).isZero();
    }

    private static boolean readToEnd(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                return true;
            }
        }
    }

    static int tunnelThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("kpe-tunnel-")).count();
    }

    private static void awaitNoConnections(DockerTunnel tunnel) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (tunnel.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(tunnel.openConnections()).as("connections left open").isZero();
    }

    static String writeRandom(Path file, long size) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(size);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= buf.length) {
                random.nextBytes(buf);
                int n = (int) Math.min(left, buf.length);
                out.write(buf, 0, n);
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @SuppressWarnings("unused")
    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }
}
