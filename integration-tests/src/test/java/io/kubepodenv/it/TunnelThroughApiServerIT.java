package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.tunnel.ApiServerAccess;
import io.kubepodenv.engine.tunnel.DockerPing;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.KubernetesClientAccess;
import io.kubepodenv.engine.tunnel.SingleReplicaPodLocator;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelException;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up} with the bundled template on the real control plane, and the Docker tunnel through the real API server's
 * port-forward (kwok carries pod port 2375 to the test Docker daemon), with a client or with only an access value
 * (JDK TLS against the API server's real certificate). One environment serves all the tests.
 */
class TunnelThroughApiServerIT {
    private static final int TRANSFER_MIB = 256;
    private static final Duration DOCKER_TIMEOUT = Duration.ofMinutes(4);

    private static ControlPlane cluster;
    private static KubernetesClient admin;
    private static TestNamespace namespace;
    private static KubePodEnv engine;
    private static ReadyEnvironment ready;

    @BeforeAll
    static void up() {
        cluster = ControlPlane.require();
        admin = cluster.adminClient();
        namespace = TestNamespace.create(admin, "tunnel");
        engine = new KubePodEnv(admin, cluster.options(namespace.name()).build());
        ready = engine.up(EnvironmentKey.of("it tunnel"), new RecordingListener("tunnel up"));
    }

    @AfterAll
    static void down() {
        try (AutoCloseable a = admin; AutoCloseable e = engine; AutoCloseable n = namespace) {
            if (engine != null && ready != null) {
                engine.down(EnvironmentKey.of("it tunnel"), true, new RecordingListener("tunnel down"));
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void upWithTheBundledTemplateIsReadyOnTheKwokNodeWithItsClaimBoundToADefaultClassVolume() {
        assertThat(ready.reused()).isFalse();
        assertThat(ready.pod()).isEqualTo(ready.environment().dockerHost() + "-0");
        Pod pod = admin.pods().inNamespace(namespace.name()).withName(ready.pod()).get();
        assertThat(pod.getSpec().getNodeName()).isEqualTo(cluster.node());
        assertThat(pod.getStatus().getConditions())
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));

        List<PersistentVolumeClaim> claims = admin.persistentVolumeClaims().inNamespace(namespace.name())
            .withLabel(ObjectLabels.INSTANCE, ready.environment().id()).list().getItems();
        assertThat(claims).hasSize(1);
        PersistentVolumeClaim claim = claims.get(0);
        assertThat(claim.getMetadata().getName()).isEqualTo("data-" + ready.pod());
        assertThat(claim.getStatus().getPhase()).isEqualTo("Bound");
        // The template names no class: the DefaultStorageClass admission plugin filled in the cluster's default.
        assertThat(claim.getSpec().getStorageClassName()).isEqualTo(cluster.storageClass());
        StorageClass storageClass = admin.storage().v1().storageClasses().withName(cluster.storageClass()).get();
        assertThat(storageClass.getMetadata().getAnnotations())
            .containsEntry("storageclass.kubernetes.io/is-default-class", "true");
        PersistentVolume volume = admin.persistentVolumes().withName(claim.getSpec().getVolumeName()).get();
        assertThat(volume.getSpec().getClaimRef().getUid()).isEqualTo(claim.getMetadata().getUid());
        assertThat(volume.getStatus().getPhase()).isEqualTo("Bound");
    }

    @Test
    void dockerVersionAnswersThroughTheTunnel() {
        String direct = new DockerCli(cluster.directDockerHost())
            .ok(DOCKER_TIMEOUT, "version", "--format", "{{.Server.Version}}").output();
        try (DockerTunnel tunnel = openTunnel()) {
            long before = tunnel.acceptedConnections();
            DockerCli docker = new DockerCli(tunnel.dockerHost());
            String throughTunnel = docker.ok(DOCKER_TIMEOUT, "version", "--format", "{{.Server.Version}}").output();
            assertThat(throughTunnel).isNotBlank().isEqualTo(direct);
            assertThat(tunnel.acceptedConnections()).as("connections through the tunnel").isGreaterThan(before);
            assertThat(tunnel.dockerHost()).startsWith("tcp://127.0.0.1:");
            assertThat(tunnel.transport()).as("the real API server tunnels SPDY through the websocket")
                .endsWith("streams on one SPDY session");
        }
    }

    @Test
    void dockerCommandsRunningAtOnceShareTheOneWebsocketThePingOpened() throws Exception {
        try (DockerTunnel tunnel = openTunnel()) {
            assertThat(tunnel.websocketsOpened()).as("the ping's").isEqualTo(1);
            DockerCli docker = new DockerCli(tunnel.dockerHost());
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<String>> versions = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    versions.add(pool.submit(() -> docker.ok(DOCKER_TIMEOUT, "version", "--format",
                        "{{.Server.Version}}").output()));
                }
                for (Future<String> version : versions) {
                    assertThat(version.get(5, TimeUnit.MINUTES)).isNotBlank();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(tunnel.acceptedConnections()).isGreaterThanOrEqualTo(13);
            assertThat(tunnel.websocketsOpened()).as("websockets, all connections included").isEqualTo(1);
        }
    }

    @Test
    void anAttachedContainerSeesTheEndOfItsInputAndItsOutputStillComesBack(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("input.bin");
        String sha = writeRandom(input, 3);
        try (DockerTunnel tunnel = openTunnel()) {
            // docker run -i half-closes its connection when its input ends; the container's sha256sum needs that end
            String out = new DockerCli(tunnel.dockerHost()).okWithInput(input, Duration.ofSeconds(90), "run", "-i",
                "--rm", "--network", "none", cluster.testImage(), "sha256sum").output();
            assertThat(out.split("\\s+")[0]).isEqualTo(sha);
        }
    }

    @Test
    void aPortTheKubeletCannotForwardAnswersWithTheKubeletsErrorAndTheNextConnectionOpensANewSession() {
        try (DockerTunnel tunnel = DockerTunnel.openWithoutPing(admin, namespace.name(),
            new SingleReplicaPodLocator(ready.environment().dockerHost()),
            TunnelOptions.defaults().withRemotePort(2399))) {
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> DockerPing.ping(tunnel.address(), Duration.ofSeconds(30)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("HTTP 503")
                    .hasMessageContaining("Kubernetes reported an error forwarding to pod " + namespace.name() + "/"
                        + ready.pod() + " port 2399")
                    .hasMessageContaining("2399");
            }
            // a session that led to an error is not trusted again: its pod may have been replaced under its name
            assertThat(tunnel.websocketsOpened()).as("a session for each connection").isEqualTo(2);
        }
    }

    @Test
    void aClientThatReadsNothingIsResetAndHoldsUpTheOtherConnectionsOnlyForTheStallTimeout() throws Exception {
        DockerCli direct = new DockerCli(cluster.directDockerHost());
        String container = "kpe-it-chatty-" + Long.toHexString(System.nanoTime());
        TunnelOptions d = TunnelOptions.defaults();
        TunnelOptions options = new TunnelOptions(d.bindAddress(), 0, d.remotePort(), Duration.ofSeconds(30),
            Duration.ofSeconds(60), d.clientEofGrace(), Duration.ofSeconds(3), d.maxFramePayload(), true,
            d.keepAliveInterval(), d.listener());
        try (DockerTunnel tunnel = DockerTunnel.open(admin, namespace.name(),
            new SingleReplicaPodLocator(ready.environment().dockerHost()), options)) {
            String id = direct.ok(DOCKER_TIMEOUT, "run", "-d", "--name", container, "--network", "none",
                cluster.testImage(), "yes", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
                .output().trim();
            try (Socket stuck = new Socket()) {
                stuck.setReceiveBufferSize(4096);
                stuck.connect(tunnel.address());
                stuck.getOutputStream().write(("GET /containers/" + id + "/logs?follow=1&stdout=1 HTTP/1.1\r\n"
                    + "Host: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                stuck.getOutputStream().flush();
                Thread.sleep(6000); // long enough for the logs to fill the socket's buffers and the stream's inbox
                String version = new DockerCli(tunnel.dockerHost())
                    .ok(Duration.ofSeconds(60), "version", "--format", "{{.Server.Version}}").output();
                assertThat(version).isNotBlank();
                // the stuck connection was reset: what its buffers hold drains, then it ends (a live one would go on)
                stuck.setSoTimeout(30_000);
                InputStream in = stuck.getInputStream();
                byte[] buffer = new byte[64 * 1024];
                long received = 0;
                int n;
                while ((n = in.read(buffer)) >= 0 && received < (64L << 20)) {
                    received += n;
                }
                assertThat(n).as("end of the stuck connection after " + received + " bytes").isNegative();
                assertThat(received).as("bytes the stuck client had been sent").isPositive();
            }
        } finally {
            direct.run(Duration.ofMinutes(1), "rm", "-f", container);
        }
    }

    @Test
    void aLargeUploadAndDownloadThroughTheTunnelKeepTheirSha256(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("big.bin");
        String sourceSha = writeRandom(source, TRANSFER_MIB);
        String container = "kpe-it-transfer-" + Long.toHexString(System.nanoTime());
        DockerCli direct = new DockerCli(cluster.directDockerHost());
        try (DockerTunnel tunnel = openTunnel()) {
            DockerCli docker = new DockerCli(tunnel.dockerHost());
            docker.ok(DOCKER_TIMEOUT, "run", "-d", "--name", container, "--network", "none", cluster.testImage(),
                "sleep", "600");
            long t0 = System.nanoTime();
            docker.ok(DOCKER_TIMEOUT, "cp", source.toString(), container + ":/big.bin");
            double upSeconds = (System.nanoTime() - t0) / 1e9;
            String inContainer = docker.ok(DOCKER_TIMEOUT, "exec", container, "sha256sum", "/big.bin").output();
            assertThat(inContainer.split("\\s+")[0]).as("SHA-256 in the container after the upload")
                .isEqualTo(sourceSha);

            Path back = dir.resolve("back.bin");
            long t1 = System.nanoTime();
            docker.ok(DOCKER_TIMEOUT, "cp", container + ":/big.bin", back.toString());
            double downSeconds = (System.nanoTime() - t1) / 1e9;
            assertThat(Files.size(back)).isEqualTo((long) TRANSFER_MIB << 20);
            assertThat(sha256(back)).as("SHA-256 of the download").isEqualTo(sourceSha);
            System.out.printf("[tunnel] %d MiB upload %.1f s (%.0f MiB/s), download %.1f s (%.0f MiB/s)%n",
                TRANSFER_MIB, upSeconds, TRANSFER_MIB / upSeconds, downSeconds, TRANSFER_MIB / downSeconds);
        } finally {
            direct.run(Duration.ofMinutes(1), "rm", "-f", container);
        }
    }

    @Test
    void aTunnelOpenedWithoutAClientFromTheAdminsAccessReachesDocker() {
        ApiServerAccess access = KubernetesClientAccess.of(admin);
        assertThat(access.clientCertificate()).as("the admin kubeconfig authenticates with a certificate")
            .isNotEmpty();
        try (DockerTunnel tunnel = DockerTunnel.open(access, namespace.name(),
            new SingleReplicaPodLocator(ready.environment().dockerHost()),
            TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60)))) {
            String version = new DockerCli(tunnel.dockerHost())
                .ok(DOCKER_TIMEOUT, "version", "--format", "{{.Server.Version}}").output();
            assertThat(version).isNotBlank();
        }
    }

    @Test
    void aConnectionSilentForManyKeepAliveIntervalsOverTlsStillAnswers() {
        try (DockerTunnel tunnel = DockerTunnel.open(KubernetesClientAccess.of(admin), namespace.name(),
            new SingleReplicaPodLocator(ready.environment().dockerHost()),
            TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60))
                .withKeepAliveInterval(Duration.ofMillis(200)))) {
            // the attach connection stays silent for 3 s: about 15 read timeouts and pings on the TLS socket
            String out = new DockerCli(tunnel.dockerHost()).ok(DOCKER_TIMEOUT, "run", "--rm", "--network", "none",
                cluster.testImage(), "sh", "-c", "sleep 3; echo done").output();
            assertThat(out.trim()).isEqualTo("done");
        }
    }

    @Test
    void aTlsServerNameTheApiServersCertificateCarriesIsAccepted() {
        ApiServerAccess access = withTlsServerName(KubernetesClientAccess.of(admin), "kubernetes.default.svc");
        try (DockerTunnel tunnel = DockerTunnel.open(access, namespace.name(),
            new SingleReplicaPodLocator(ready.environment().dockerHost()),
            TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60)))) {
            assertThat(tunnel.acceptedConnections()).isPositive();
        }
    }

    @Test
    void aTlsServerNameTheApiServersCertificateDoesNotCarryIsRefused() {
        ApiServerAccess access = withTlsServerName(KubernetesClientAccess.of(admin), "not-the-api-server.example");
        try (DockerTunnel tunnel = DockerTunnel.openWithoutPing(access, namespace.name(),
            new SingleReplicaPodLocator(ready.environment().dockerHost()), TunnelOptions.defaults().withWarm(false))) {
            assertThatThrownBy(() -> tunnel.awaitPing(Duration.ofSeconds(3)))
                .isInstanceOf(TunnelException.class)
                .hasMessageContaining("cannot reach the Kubernetes API")
                .hasMessageContaining("not-the-api-server.example");
        }
    }

    private static ApiServerAccess withTlsServerName(ApiServerAccess a, String name) {
        return new ApiServerAccess(a.server(), a.caCertificates(), a.clientCertificate(), a.clientKey(), a.headers(),
            name, false, a.proxy(), a.proxyAuthorization(), a.refreshingCredentials());
    }

    private static DockerTunnel openTunnel() {
        return DockerTunnel.open(admin, namespace.name(),
            new StatefulSetPodLocator(admin, namespace.name(), ready.environment().dockerHost()),
            TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60)));
    }

    private static String writeRandom(Path file, int mebibytes) throws IOException {
        MessageDigest digest = sha256();
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mebibytes; i++) {
                random.nextBytes(chunk);
                digest.update(chunk);
                out.write(chunk);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
