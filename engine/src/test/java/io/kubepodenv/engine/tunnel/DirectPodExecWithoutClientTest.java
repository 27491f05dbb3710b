package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.exec.ExecException;
import io.kubepodenv.engine.testing.DockerDaemonFixture;
import io.kubepodenv.engine.testing.DockerMockCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pod exec with JDK classes only ({@link DirectPodExec}), through the mock API server's exec websocket into a real
 * busybox container of the test daemon; and the sync over it in a class loader without fabric8 or Jackson, as on a
 * Jenkins agent.
 */
class DirectPodExecWithoutClientTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String HOST = "env-direct";
    private static final String POD = HOST + "-0";
    private static DockerDaemonFixture docker;
    private static String container;

    private DockerMockCluster cluster;
    private DirectPodExec exec;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startContainer() {
        docker = DockerDaemonFixture.require();
        container = "kpe-direct-" + UUID.randomUUID().toString().substring(0, 8);
        docker.docker(TIMEOUT, "run", "-d", "--name", container, "--network", "none", docker.image(),
                "sleep", "3600").requireSuccess();
    }

    @AfterAll
    static void removeContainer() {
        if (container != null) {
            docker.docker(TIMEOUT, "rm", "-f", container);
        }
    }

    @BeforeEach
    void cluster() {
        cluster = DockerMockCluster.forDocker(docker);
        cluster.createDockerHost(HOST);
        cluster.execInto(POD, container);
        exec = new DirectPodExec(KubernetesClientAccess.of(cluster.client()), DockerMockCluster.NAMESPACE, POD,
                "docker", Duration.ofSeconds(30));
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void returnsStdoutStderrAndTheExitCode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = exec.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), null, out, err, TIMEOUT);
        assertThat(code).isEqualTo(3);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("out\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
    }

    @Test
    void feedsStdinToACommandThatKnowsWhereItsInputEnds() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] input = new byte[200_000];
        new java.util.Random(3).nextBytes(input);
        int code = exec.run(List.of("sh", "-c", "head -c 200000 | wc -c"), new ByteArrayInputStream(input), out,
                new ByteArrayOutputStream(), TIMEOUT);
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).strip()).isEqualTo("200000");
    }

    @Test
    void aCommandThatDoesNotEndInTimeIsReported() {
        assertThatThrownBy(() -> exec.run(List.of("sleep", "30"), null, new ByteArrayOutputStream(),
                new ByteArrayOutputStream(), Duration.ofSeconds(1)))
                .isInstanceOf(ExecException.class)
                .hasMessageContaining("did not end within 1 s");
    }

    @Test
    void theSyncOverItLoadsNoClassOutsideTheJdkTheEngineAndSlf4j() throws Exception {
        Path ws = Files.createDirectories(tmp.resolve("ws-" + UUID.randomUUID().toString().substring(0, 8)));
        Files.writeString(ws.resolve("a.txt"), "a\n");
        Files.createDirectories(ws.resolve("reports"));
        Files.writeString(ws.resolve("reports/r.xml"), "<r/>\n");
        DockerTunnelWithoutClientTest.RecordingLoader loader = new DockerTunnelWithoutClientTest.RecordingLoader();

        String[] reports = (String[]) loader.loadClass(JdkOnlySyncDriver.class.getName())
                .getMethod("pushAndPull", byte[].class, String.class, String.class, String.class, String.class,
                        String.class, String.class)
                .invoke(null, serialized(KubernetesClientAccess.of(cluster.client())), DockerMockCluster.NAMESPACE,
                        POD, "docker", "/var/lib/docker/kpe-sync", ws.toString(), "reports");

        assertThat(reports[0]).contains("3 sent");
        assertThat(reports[1]).contains("2 entries");
        assertThat(loader.loaded).as("classes loaded outside the JDK").allSatisfy(name -> assertThat(
                name.startsWith("io.kubepodenv.engine.tunnel.") || name.startsWith("io.kubepodenv.engine.sync.")
                        || name.startsWith("org.slf4j.")
                        || name.equals("io.kubepodenv.engine.exec.TarWriter")
                        || name.startsWith("io.kubepodenv.engine.exec.TarStream")
                        || name.equals("io.kubepodenv.engine.exec.ExecException")
                        || name.equals("io.kubepodenv.engine.KubePodEnvException")
                        || name.equals("io.kubepodenv.engine.InvalidInputException"))
                .as(name).isTrue());
        assertThat(loader.loaded).contains(DirectPodExec.class.getName(),
                "io.kubepodenv.engine.sync.WorkspaceSync");
    }

    private static byte[] serialized(ApiServerAccess access) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(access);
        }
        return bytes.toByteArray();
    }
}
