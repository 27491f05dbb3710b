package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.exec.PodExec;
import io.kubepodenv.engine.sync.CopyBackReport;
import io.kubepodenv.engine.sync.SyncOptions;
import io.kubepodenv.engine.sync.SyncReport;
import io.kubepodenv.engine.sync.WorkspaceSync;
import io.kubepodenv.engine.tunnel.DirectPodExec;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.KubernetesClientAccess;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bind mounts through the tunnel with the real docker and docker-compose command lines, on the real control plane.
 *
 * <p>The set-up makes the Docker daemon's file system differ from this test's: the daemon runs in a mount namespace
 * of its own in which the directory the workspaces live in is an empty tmpfs (testing/docker, KPE_DOCKER_PRIVATE_DIRS),
 * and the pod's exec enters that namespace (testing/cluster, KPE_EXEC_MODE=daemon), as a pod's first container is
 * the Docker server's. So a bind mount sees a workspace's files only if the sync put them there.
 */
class SyncIT {
    private static final Duration DOCKER_TIMEOUT = Duration.ofMinutes(4);
    private static final String KEY = "it sync";

    private static ControlPlane cluster;
    private static KubernetesClient admin;
    private static TestNamespace namespace;
    private static KubePodEnv engine;
    private static ReadyEnvironment ready;
    private static DockerTunnel tunnel;
    private static DockerCli docker;
    private static WorkspaceSync sync;
    private static Path workRoot;

    private Path ws;

    @BeforeAll
    static void up() throws IOException {
        cluster = ControlPlane.require();
        workRoot = hiddenWorkDirectory();
        admin = cluster.adminClient();
        namespace = TestNamespace.create(admin, "sync");
        engine = new KubePodEnv(admin, cluster.options(namespace.name()).build());
        ready = engine.up(EnvironmentKey.of(KEY), new RecordingListener("sync up"));
        tunnel = DockerTunnel.open(admin, namespace.name(),
            new StatefulSetPodLocator(admin, namespace.name(), ready.environment().dockerHost()),
            TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60)));
        docker = new DockerCli(tunnel.dockerHost());
        sync = new WorkspaceSync(new PodExec(admin, namespace.name()).commandsIn(ready.pod()),
            SyncOptions.defaults(), "syncSizeLimit");
    }

    /**
     * The directory the workspaces are made in: KPE_SYNC_IT_WORK_DIR, which must be one of the daemon's private
     * directories, with the pod's exec entering the daemon's namespace. Anything else fails: these tests would pass
     * without any sync on a daemon that shares this machine's files.
     */
    private static Path hiddenWorkDirectory() throws IOException {
        Map<String, String> env = System.getenv();
        String work = env.get("KPE_SYNC_IT_WORK_DIR");
        String dockerDir = env.getOrDefault("KPE_DOCKER_DIR", System.getProperty("java.io.tmpdir") + "/kpe-docker");
        String privateDirs = ControlPlane.readEnvFile(Path.of(dockerDir, "env")).getOrDefault(
            "KPE_DOCKER_PRIVATE_DIRS", "");
        assertThat(work).as("KPE_SYNC_IT_WORK_DIR (set by testing/cluster/it.sh): a directory the Docker daemon "
            + "does not see").isNotBlank();
        assertThat(Arrays.asList(privateDirs.split(":"))).as("the private directories of the Docker daemon of "
            + dockerDir + " (start it with KPE_DOCKER_PRIVATE_DIRS, as testing/cluster/it.sh does)").contains(work);
        assertThat(cluster.execMode()).as("KPE_EXEC_MODE of the control plane (testing/cluster/it.sh starts it in "
            + "daemon mode)").isEqualTo("daemon");
        return Files.createDirectories(Path.of(work));
    }

    @AfterAll
    static void down() {
        try (AutoCloseable a = admin; AutoCloseable e = engine; AutoCloseable n = namespace; AutoCloseable t = tunnel) {
            if (engine != null && ready != null) {
                engine.down(EnvironmentKey.of(KEY), true, new RecordingListener("sync down"));
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @BeforeEach
    void workspace() throws IOException {
        ws = Files.createDirectories(workRoot.resolve(namespace.name() + "-" + UUID.randomUUID().toString()
            .substring(0, 8)));
    }

    @AfterEach
    void removeWorkspace() throws IOException {
        if (ws != null) {
            try (java.util.stream.Stream<Path> all = Files.walk(ws)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private Path write(String rel, String content) throws IOException {
        Path p = ws.resolve(rel);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, content);
    }

    private String runWithMount(String mount, String... command) {
        String[] args = new String[7 + command.length];
        System.arraycopy(new String[] {"run", "--rm", "--network", "none", "-v", mount, cluster.testImage()}, 0,
            args, 0, 7);
        System.arraycopy(command, 0, args, 7, command.length);
        return docker.ok(DOCKER_TIMEOUT, args).stdout();
    }

    @Test
    void withoutASyncTheDockerServerDoesNotSeeTheWorkspace() throws IOException {
        write("src/hello.txt", "hello\n");

        assertThat(runWithMount(ws.resolve("src") + ":/src", "ls", "-A", "/src")).isEmpty();
    }

    @Test
    void aBindMountOfTheWorkspaceSeesTheSyncedFile() throws IOException {
        write("src/hello.txt", "hello from the workspace\n");

        SyncReport report = sync.push(ws);

        assertThat(report.sent()).isEqualTo(2);
        assertThat(runWithMount(ws.resolve("src") + ":/src", "cat", "/src/hello.txt"))
            .isEqualTo("hello from the workspace\n");
    }

    @Test
    void anEditedFileIsSeenAfterTheNextSyncAndADeletedOneIsGone() throws IOException {
        Path edited = write("src/app.conf", "version 1\n");
        Path deleted = write("src/old.txt", "old\n");
        sync.push(ws);

        Files.writeString(edited, "version 2, edited\n");
        Files.delete(deleted);
        SyncReport report = sync.push(ws);

        assertThat(report.sent()).isEqualTo(1);
        assertThat(report.deleted()).isEqualTo(1);
        assertThat(runWithMount(ws.resolve("src") + ":/src", "sh", "-c", "cat /src/app.conf; ls -A /src"))
            .isEqualTo("version 2, edited\napp.conf\n");
    }

    @Test
    void dockerComposeRunsAServiceThatBindMountsAFolderAndASingleFile() throws IOException {
        write("conf/app.conf", "setting=from-the-workspace\n");
        write("src/main.txt", "main source\n");
        String project = "kpesync" + UUID.randomUUID().toString().substring(0, 8);
        write("docker-compose.yml", String.join("\n",
            "version: '3'",
            "services:",
            "  app:",
            "    image: " + cluster.testImage(),
            "    network_mode: none",
            "    volumes:",
            "      - ./conf/app.conf:/etc/app.conf:ro",
            "      - ./src:/app/src",
            "    command: [\"sh\", \"-c\", \"cat /etc/app.conf /app/src/main.txt\"]",
            ""));
        sync.push(ws);

        try {
            DockerCli.Result run = docker.compose(ws, DOCKER_TIMEOUT, "-p", project, "run", "--rm", "-T", "app");

            assertThat(run.stdout()).isEqualTo("setting=from-the-workspace\nmain source\n");
        } finally {
            docker.compose(ws, DOCKER_TIMEOUT, "-p", project, "down", "--remove-orphans");
        }
    }

    @Test
    void theSyncWorksThroughTheApiServerWithJdkClassesOnly() throws IOException {
        write("agent/file.txt", "from an agent\n");
        String container = new PodExec(admin, namespace.name()).firstContainer(ready.pod());
        WorkspaceSync direct = new WorkspaceSync(new DirectPodExec(KubernetesClientAccess.of(admin),
            namespace.name(), ready.pod(), container, Duration.ofSeconds(30)), SyncOptions.defaults(), "limit");

        SyncReport first = direct.push(ws);
        SyncReport again = direct.push(ws);

        assertThat(first.sent()).isEqualTo(2);
        assertThat(again.unchanged()).isEqualTo(2);
        assertThat(runWithMount(ws.resolve("agent") + ":/agent", "cat", "/agent/file.txt"))
            .isEqualTo("from an agent\n");
    }

    @Test
    void syncBackBringsBackAFileAContainerWrote() throws IOException {
        write("src/test.sh", "echo '<testsuite tests=\"1\"/>' > /reports/TEST-it.xml\n");
        sync.push(ws);
        runWithMount(ws + ":/ws", "sh", "-c", "mkdir -p /ws/reports && cd /reports 2>/dev/null; "
            + "sed 's|/reports|/ws/reports|' /ws/src/test.sh | sh");

        CopyBackReport back = sync.pull(ws, List.of("reports"));

        assertThat(Files.readString(ws.resolve("reports/TEST-it.xml"))).isEqualTo("<testsuite tests=\"1\"/>\n");
        assertThat(back.missing()).isEmpty();
    }
}
