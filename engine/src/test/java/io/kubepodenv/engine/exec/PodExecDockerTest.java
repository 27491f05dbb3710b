package io.kubepodenv.engine.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.testing.DockerDaemonFixture;
import io.kubepodenv.engine.testing.DockerMockCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exec and upload through a mock API server whose exec websocket runs {@code docker exec} in a real busybox
 * container of the test daemon (the pod's first container).
 */
class PodExecDockerTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String HOST = "env-x";
    private static final String POD = HOST + "-0";
    private static DockerDaemonFixture docker;
    private static String container;

    private DockerMockCluster cluster;
    private PodExec exec;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startContainer() {
        docker = DockerDaemonFixture.require();
        container = "kpe-exec-" + UUID.randomUUID().toString().substring(0, 8);
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
        exec = new PodExec(cluster.client(), DockerMockCluster.NAMESPACE);
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void returnsStdoutStderrAndTheExitCode() {
        ExecResult r = exec.capture(POD, List.of("sh", "-c", "echo out; echo err >&2; exit 3"), TIMEOUT);
        assertThat(r).isEqualTo(new ExecResult(3, "out\n", "err\n"));
    }

    @Test
    void aSuccessfulCommandExitsZero() {
        assertThat(exec.capture(POD, List.of("echo", "a b", "c"), TIMEOUT)).isEqualTo(new ExecResult(0, "a b c\n", ""));
    }

    @Test
    void runsInThePodsFirstContainer() {
        assertThat(exec.firstContainer(POD)).isEqualTo("docker");
    }

    @Test
    void aMissingPodIsNamed() {
        assertThatThrownBy(() -> exec.capture("nope-0", List.of("true"), TIMEOUT))
                .isInstanceOf(ExecException.class)
                .hasMessage("pod kpe-test/nope-0 does not exist");
    }

    @Test
    void uploadsADirectoryTreeWithModesLinksAndLongNames() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        Path sub = Files.createDirectories(src.resolve("sub/deeper"));
        Files.writeString(sub.resolve("b.txt"), "beta\n");
        Path script = Files.writeString(src.resolve("run.sh"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        String longName = "n".repeat(120) + ".txt";
        Files.writeString(sub.resolve(longName), "long\n");
        Files.createSymbolicLink(src.resolve("link"), Path.of("a.txt"));
        Files.createDirectories(src.resolve("empty"));

        String dest = "/data/" + UUID.randomUUID().toString().substring(0, 8) + "/src";
        new PodUpload(exec).upload(POD, src, dest, TIMEOUT);

        ExecResult listing = exec.capture(POD, List.of("sh", "-c", "cd \"$1\" && find . | sort && cat a.txt"
                + " sub/deeper/b.txt link sub/deeper/" + longName + " && ./run.sh", "sh", dest), TIMEOUT);
        assertThat(listing.stderr()).isEmpty();
        assertThat(listing.stdout()).isEqualTo(String.join("\n", ".", "./a.txt", "./empty", "./link", "./run.sh",
                "./sub", "./sub/deeper", "./sub/deeper/b.txt", "./sub/deeper/" + longName,
                "alpha", "beta", "alpha", "long", "ran", ""));
    }

    @Test
    void uploadsASingleFileUnderItsDestinationName() throws IOException {
        Path file = Files.writeString(tmp.resolve("local-name.txt"), "content\n");
        String dest = "/tmp/" + UUID.randomUUID().toString().substring(0, 8) + "/remote-name.txt";
        new PodUpload(exec).upload(POD, file, dest, TIMEOUT);
        assertThat(exec.capture(POD, List.of("cat", dest), TIMEOUT).stdout()).isEqualTo("content\n");
    }

    @Test
    void uploads64MiBIntact() throws Exception {
        Path file = tmp.resolve("big.bin");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 64; i++) {
                random.nextBytes(buf);
                out.write(buf);
                sha.update(buf);
            }
        }
        String dest = "/tmp/" + UUID.randomUUID().toString().substring(0, 8) + "/big.bin";
        new PodUpload(exec).upload(POD, file, dest, TIMEOUT);
        ExecResult sum = exec.capture(POD, List.of("sha256sum", dest), TIMEOUT);
        assertThat(sum.stdout()).startsWith(HexFormat.of().formatHex(sha.digest()));
        exec.capture(POD, List.of("rm", "-f", dest), TIMEOUT);
    }

    @Test
    void anUploadIntoAReadOnlyPlaceReportsTarsComplaint() throws IOException {
        Path file = Files.writeString(tmp.resolve("f.txt"), "x\n");
        assertThatThrownBy(() -> new PodUpload(exec).upload(POD, file, "/proc/kpe-test/f.txt", TIMEOUT))
                .isInstanceOf(ExecException.class)
                .hasMessageContaining("uploading " + file + " to /proc/kpe-test/f.txt in pod kpe-test/" + POD
                        + " failed");
    }

    @Test
    void feedsStdinToACommandThatKnowsWhereItsInputEnds() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = exec.run(POD, List.of("head", "-c", "5"),
                new ByteArrayInputStream("hello, world".getBytes(StandardCharsets.UTF_8)), out, out, TIMEOUT);
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello");
    }
}
