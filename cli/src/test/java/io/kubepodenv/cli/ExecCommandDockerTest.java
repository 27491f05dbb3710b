package io.kubepodenv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.testing.DockerDaemonFixture;
import io.kubepodenv.engine.testing.DockerMockCluster;
import io.kubepodenv.engine.testing.FakeStatefulSetController;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** kpe exec, cp and shell against a mock API server whose port-forward and exec reach a real Docker daemon. */
class ExecCommandDockerTest {
    private static final String NS = DockerMockCluster.NAMESPACE;
    private static final String KEY = "shop/PR-9";
    private static DockerDaemonFixture docker;
    private static String container;

    private DockerMockCluster cluster;
    private FakeStatefulSetController controller;

    @TempDir
    Path tmp;

    record Run(int exitCode, String out, String err) {
    }

    @BeforeAll
    static void daemon() {
        docker = DockerDaemonFixture.require();
        container = "kpe-cli-" + UUID.randomUUID().toString().substring(0, 8);
        docker.docker(Duration.ofMinutes(1), "run", "-d", "--name", container, "--network", "none", docker.image(),
            "sleep", "3600").requireSuccess();
    }

    @AfterAll
    static void removeContainer() {
        if (container != null) {
            docker.docker(Duration.ofMinutes(1), "rm", "-f", container);
        }
    }

    @BeforeEach
    void cluster() {
        cluster = DockerMockCluster.forDocker(docker);
        cluster.execInto("*", container);
        controller = new FakeStatefulSetController(cluster.client(), NS).start();
        Run up = run("up", KEY, "-n", NS, "--no-server-side-apply", "-q");
        assertThat(up.exitCode()).as(up.err()).isZero();
    }

    @AfterEach
    void close() {
        controller.close();
        cluster.close();
    }

    private Run run(String... args) {
        Function<Options, KubernetesClient> clients = options -> new KubernetesClientBuilder()
            .withConfig(cluster.client().getConfiguration()).build();
        CommandLine cmd = Kpe.commandLine(new Kpe(clients));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void execRunsTheCommandWithOnlyDockerHostAndPassesItsExitCodeThrough() throws IOException {
        Path report = tmp.resolve("report.txt");
        Run r = run("exec", KEY, "-n", NS, "--", "sh", "-c",
            "env | grep '^DOCKER_' > \"$1\"; docker version --format '{{.Server.Version}}' >> \"$1\"; exit 7",
            "sh", report.toString());
        assertThat(r.exitCode()).as(r.err()).isEqualTo(7);
        List<String> lines = Files.readAllLines(report);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("DOCKER_HOST=tcp://127\\.0\\.0\\.1:\\d+");
        assertThat(lines.get(1)).isNotBlank();
    }

    @Test
    void theTunnelLivesExactlyAsLongAsTheCommand() throws IOException {
        Path report = tmp.resolve("host.txt");
        assertThat(run("exec", KEY, "-n", NS, "-q", "--", "sh", "-c", "echo $DOCKER_HOST > \"$1\"", "sh",
            report.toString()).exitCode()).isZero();
        String host = Files.readString(report).trim();
        int port = Integer.parseInt(host.substring(host.lastIndexOf(':') + 1));
        assertThat(portOpen(port)).isFalse();
    }

    @Test
    void childEnvironmentDropsTlsAndContextSettings() {
        Map<String, String> env = ExecCommand.childEnvironment(Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH",
            "/certs", "DOCKER_CONTEXT", "prod", "DOCKER_HOST", "tcp://remote:2376", "PATH", "/bin"),
            "tcp://127.0.0.1:5555");
        assertThat(env).containsExactlyInAnyOrderEntriesOf(Map.of("DOCKER_HOST", "tcp://127.0.0.1:5555",
            "PATH", "/bin"));
    }

    @Test
    void execOfAMissingEnvironmentSaysHowToCreateIt() {
        Run r = run("exec", "nope", "-n", NS, "--", "true");
        assertThat(r.exitCode()).isEqualTo(Kpe.EXIT_FAILED);
        assertThat(r.err()).contains("no environment of 'nope' in namespace kpe-test; create it with: kpe up 'nope'");
    }

    @Test
    void execOfACommandThatDoesNotExistExits127() {
        Run r = run("exec", KEY, "-n", NS, "-q", "--", "/nonexistent/command");
        assertThat(r.exitCode()).isEqualTo(127);
        assertThat(r.err()).contains("cannot run '/nonexistent/command'");
    }

    @Test
    void cpCopiesADirectoryIntoTheFirstContainer() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("fixtures/sub"));
        Files.writeString(src.resolve("data.txt"), "payload\n");
        String dest = "/tmp/" + UUID.randomUUID().toString().substring(0, 8) + "/fixtures";
        Run r = run("cp", tmp.resolve("fixtures").toString(), KEY + ":" + dest, "-n", NS);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("copied ");
        assertThat(docker.docker(Duration.ofMinutes(1), "exec", container, "cat", dest + "/sub/data.txt")
            .requireSuccess().stdout()).isEqualTo("payload\n");
    }

    @Test
    void cpRejectsADestinationWithoutKey() {
        Run r = run("cp", tmp.toString(), "/tmp/x", "-n", NS);
        assertThat(r.exitCode()).isEqualTo(Kpe.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("destination: '/tmp/x' is not KEY:/absolute/path");
    }

    @Test
    void shellRunsACommandInTheFirstContainerAndReturnsItsExitCode() {
        Run r = run("shell", KEY, "-n", NS, "--no-tty", "--", "sh", "-c", "test -d /proc && exit 4");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(4);
        assertThat(cluster.exec().commands()).contains(List.of("sh", "-c", "test -d /proc && exit 4"));
    }

    private static boolean portOpen(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
