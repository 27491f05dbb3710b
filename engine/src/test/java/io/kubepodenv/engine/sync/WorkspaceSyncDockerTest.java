package io.kubepodenv.engine.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.exec.ExecResult;
import io.kubepodenv.engine.exec.PodExec;
import io.kubepodenv.engine.testing.DockerDaemonFixture;
import io.kubepodenv.engine.testing.DockerMockCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror through pod exec into a real busybox container of the test daemon (the pod's first container): the
 * container does not share this machine's files, so what it holds at the workspace's path came through the sync.
 */
class WorkspaceSyncDockerTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String HOST = "env-s";
    private static final String POD = HOST + "-0";
    private static final String STORE = "/var/lib/docker/kpe-sync";
    private static DockerDaemonFixture docker;
    private static String container;

    private DockerMockCluster cluster;
    private PodExec exec;
    private final AtomicInteger commands = new AtomicInteger();

    @TempDir
    Path tmp;
    private Path ws;

    @BeforeAll
    static void startContainer() {
        docker = DockerDaemonFixture.require();
        container = "kpe-sync-" + UUID.randomUUID().toString().substring(0, 8);
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
    void cluster() throws IOException {
        cluster = DockerMockCluster.forDocker(docker);
        cluster.createDockerHost(HOST);
        cluster.execInto(POD, container);
        exec = new PodExec(cluster.client(), DockerMockCluster.NAMESPACE);
        ws = Files.createDirectories(tmp.resolve("ws-" + UUID.randomUUID().toString().substring(0, 8)));
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    private WorkspaceSync sync(SyncOptions options) {
        PodCommands counted = (command, in, out, err, timeout) -> {
            commands.incrementAndGet();
            return exec.commandsIn(POD).run(command, in, out, err, timeout);
        };
        return new WorkspaceSync(counted, options.withStore(STORE), "option syncSizeLimit");
    }

    private WorkspaceSync sync() {
        return sync(SyncOptions.defaults());
    }

    private String inPod(String script) {
        ExecResult r = exec.capture(POD, List.of("sh", "-c", script, "sh", ws.toString()), TIMEOUT);
        assertThat(r.stderr()).as(script).isEmpty();
        return r.stdout();
    }

    private Path write(String rel, String content) throws IOException {
        Path p = ws.resolve(rel);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, content);
    }

    @Test
    void mirrorsTheTreeAtTheSameAbsolutePathWithModesAndLinks() throws IOException {
        write("src/app.txt", "app\n");
        Path script = write("run.sh", "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        Files.createSymbolicLink(ws.resolve("link"), Path.of("src/app.txt"));
        Files.createDirectories(ws.resolve("empty"));

        SyncReport report = sync().push(ws);

        assertThat(inPod("cd \"$1\" && find . | sort && cat src/app.txt link && ./run.sh && stat -c %a run.sh"
                + " && readlink link")).isEqualTo(String.join("\n", ".", "./empty", "./link", "./run.sh", "./src",
                "./src/app.txt", "app", "app", "ran", "750", "src/app.txt", ""));
        assertThat(inPod("readlink \"$1\"")).isEqualTo(STORE + ws + "\n");
        assertThat(report.sent()).isEqualTo(5);
        assertThat(report.bytesSent()).isEqualTo(4 + Files.size(script));
        assertThat(report.unchanged()).isZero();
    }

    @Test
    void anUnchangedTreeCostsOneCommandAndSendsNothing() throws IOException {
        write("a/b/c.txt", "c\n");
        write("d.txt", "d\n");
        Files.createSymbolicLink(ws.resolve("l"), Path.of("d.txt"));
        sync().push(ws);
        commands.set(0);

        SyncReport again = sync().push(ws);

        assertThat(commands).hasValue(1);
        assertThat(again.sent()).isZero();
        assertThat(again.bytesSent()).isZero();
        assertThat(again.unchanged()).isEqualTo(5);
        assertThat(again.deleted()).isZero();
    }

    @Test
    void sendsOnlyWhatChangedAndDeletesWhatIsGone() throws IOException {
        write("keep.txt", "keep\n");
        Path edited = write("edit.txt", "one\n");
        Path modeOnly = write("mode.sh", "x\n");
        write("gone.txt", "gone\n");
        write("gone-dir/inner/x.txt", "x\n");
        sync().push(ws);

        Files.writeString(edited, "two, longer\n");
        Files.setPosixFilePermissions(modeOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.delete(ws.resolve("gone.txt"));
        Files.delete(ws.resolve("gone-dir/inner/x.txt"));
        Files.delete(ws.resolve("gone-dir/inner"));
        Files.delete(ws.resolve("gone-dir"));
        write("new.txt", "new\n");
        SyncReport report = sync().push(ws);

        assertThat(report.sent()).isEqualTo(3);
        assertThat(report.deleted()).isEqualTo(2);
        assertThat(report.unchanged()).isEqualTo(1);
        assertThat(inPod("cd \"$1\" && find . | sort && cat edit.txt && stat -c %a mode.sh")).isEqualTo(
                String.join("\n", ".", "./edit.txt", "./keep.txt", "./mode.sh", "./new.txt", "two, longer", "755",
                        ""));
    }

    @Test
    void aFileThatBecameADirectoryIsReplaced() throws IOException {
        Path f = write("thing", "file\n");
        sync().push(ws);
        Files.delete(f);
        write("thing/inside.txt", "inside\n");

        sync().push(ws);

        assertThat(inPod("cat \"$1/thing/inside.txt\"")).isEqualTo("inside\n");
    }

    @Test
    void aLinkThatLeavesTheTreeIsCopiedAsALinkNotFollowed() throws IOException {
        Path outside = Files.writeString(tmp.resolve("secret.txt"), "local secret\n");
        Files.createSymbolicLink(ws.resolve("out"), outside);

        sync().push(ws);

        assertThat(inPod("readlink \"$1/out\"; [ -e \"$1/out\" ] || echo dangling")).isEqualTo(outside + "\ndangling\n");
    }

    @Test
    void leavesOutGitKpeignorePatternsAndSyncExcludesAndLeavesThemAloneInThePod() throws IOException {
        write(".git/config", "git\n");
        write("node_modules/m/index.js", "m\n");
        write("logs/a.log", "log\n");
        write("logs/keep.log", "keep\n");
        write("build/out.bin", "bin\n");
        write("src/main.c", "main\n");
        write(".kpeignore", "# comment\nnode_modules\nlogs/*.log\n!logs/keep.log\n");
        sync(SyncOptions.defaults().withExcludes(List.of("build/"))).push(ws);
        inPod("mkdir -p \"$1/build\" && echo made-in-pod > \"$1/build/pod.txt\"");

        SyncReport again = sync(SyncOptions.defaults().withExcludes(List.of("build/"))).push(ws);

        assertThat(again.deleted()).isZero();
        assertThat(inPod("cd \"$1\" && find . -type f | sort")).isEqualTo(String.join("\n", "./.kpeignore",
                "./build/pod.txt", "./logs/keep.log", "./src/main.c", ""));
    }

    @Test
    void aTreeOverTheSizeLimitIsRefusedNamingTheLimitAndTheOptionBeforeAnythingIsSent() throws IOException {
        write("big.bin", "x".repeat(4096));

        assertThatThrownBy(() -> sync(SyncOptions.defaults().withSizeLimit(1024)).push(ws))
                .isInstanceOf(SyncTooLargeException.class)
                .hasMessageContaining("sync size limit of 1.0 KiB")
                .hasMessageContaining("option syncSizeLimit");
        assertThat(commands).hasValue(0);
    }

    @Test
    void aPathThatAlreadyExistsInThePodIsNotTakenOver() throws IOException {
        write("a.txt", "a\n");
        inPod("mkdir -p \"$1\" && echo theirs > \"$1/theirs.txt\"");

        assertThatThrownBy(() -> sync().push(ws))
                .isInstanceOf(SyncException.class)
                .hasMessageContaining("already exists in the pod and is not a mirror");
        assertThat(inPod("cat \"$1/theirs.txt\"")).isEqualTo("theirs\n");
    }

    @Test
    void copiesBackWhatAContainerWroteAndNamesWhatIsMissing() throws IOException {
        write("src/a.txt", "a\n");
        sync().push(ws);
        inPod("mkdir -p \"$1/reports/unit\" && echo '<testsuite/>' > \"$1/reports/unit/TEST-a.xml\"");

        CopyBackReport back = sync().pull(ws, List.of("reports", "coverage"));

        assertThat(Files.readString(ws.resolve("reports/unit/TEST-a.xml"))).isEqualTo("<testsuite/>\n");
        assertThat(back.missing()).containsExactly("./coverage");
        assertThat(back.bytesReceived()).isEqualTo(13);
    }

    @Test
    void aCopyBackPathOutsideTheWorkspaceIsBadInput() {
        assertThatThrownBy(() -> sync().pull(ws, List.of("../elsewhere")))
                .isInstanceOf(io.kubepodenv.engine.InvalidInputException.class)
                .hasMessageContaining("'../elsewhere' leaves the workspace");
        assertThat(commands).hasValue(0);
    }

    @Test
    void keepsModificationTimesSoThatAnUnchangedFileStaysUnchanged() throws IOException {
        Path f = write("old.txt", "old\n");
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_600_000_000_000L));
        sync().push(ws);
        assertThat(inPod("stat -c %Y \"$1/old.txt\"")).isEqualTo("1600000000\n");
    }
}
