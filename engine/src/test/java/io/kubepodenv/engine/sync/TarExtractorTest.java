package io.kubepodenv.engine.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.exec.TarWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archives coming back from the pod are refused when an entry would land outside the workspace. */
class TarExtractorTest {
    @TempDir
    Path tmp;

    private interface Entries {
        void add(TarWriter tar) throws IOException;
    }

    private static byte[] archive(Entries entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(out);
        entries.add(tar);
        tar.finish();
        return out.toByteArray();
    }

    private static void file(TarWriter tar, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        tar.file(name, 0644, b.length, 0, new ByteArrayInputStream(b));
    }

    /** Copies back through WorkspaceSync with a pod that answers with the given archive. */
    private CopyBackReport pullFrom(byte[] archive, Path ws) {
        PodCommands pod = (command, in, out, err, timeout) -> {
            try {
                out.write(archive);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return 0;
        };
        return new WorkspaceSync(pod, SyncOptions.defaults().withTimeout(Duration.ofSeconds(10)), "limit")
                .pull(ws, List.of("reports"));
    }

    private Path workspace() throws IOException {
        return Files.createDirectories(tmp.resolve("ws"));
    }

    private static List<Path> everything(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).toList();
        }
    }

    @Test
    void anEntryWithDotDotIsRefusedAndNothingIsWritten() throws IOException {
        Path ws = workspace();
        byte[] a = archive(tar -> {
            file(tar, "./reports/ok.txt", "ok");
            file(tar, "./reports/../../escaped.txt", "bad");
        });
        assertThatThrownBy(() -> pullFrom(a, ws))
                .isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("'./reports/../../escaped.txt' contains '..'");
        assertThat(everything(ws)).isEmpty();
        assertThat(tmp.resolve("escaped.txt")).doesNotExist();
    }

    @Test
    void anAbsoluteEntryIsRefused() throws IOException {
        Path ws = workspace();
        byte[] a = archive(tar -> file(tar, tmp.resolve("abs.txt").toString(), "bad"));
        assertThatThrownBy(() -> pullFrom(a, ws))
                .isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("has an absolute name");
        assertThat(tmp.resolve("abs.txt")).doesNotExist();
    }

    @Test
    void aLinkThatLeavesTheTreeIsRefused() throws IOException {
        Path ws = workspace();
        byte[] relative = archive(tar -> tar.symlink("./reports/up", "../../..", 0));
        byte[] absolute = archive(tar -> tar.symlink("./reports/etc", "/etc", 0));
        assertThatThrownBy(() -> pullFrom(relative, ws))
                .isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("which leaves the tree");
        assertThatThrownBy(() -> pullFrom(absolute, ws))
                .isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("outside the tree");
        assertThat(everything(ws)).isEmpty();
    }

    @Test
    void anEntryBelowALinkInTheArchiveIsRefused() throws IOException {
        Path ws = workspace();
        byte[] a = archive(tar -> {
            tar.directory("./reports/real", 0755, 0);
            tar.symlink("./reports/alias", "real", 0);
            file(tar, "./reports/alias/x.txt", "through the link");
        });
        assertThatThrownBy(() -> pullFrom(a, ws))
                .isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("lies below the symbolic link 'reports/alias'");
        assertThat(everything(ws)).isEmpty();
    }

    @Test
    void anEntryBelowALinkAlreadyInTheWorkspaceIsRefused() throws IOException {
        Path ws = workspace();
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(ws.resolve("reports"), outside);
        byte[] a = archive(tar -> file(tar, "./reports/x.txt", "through the link"));
        assertThatThrownBy(() -> pullFrom(a, ws))
                .isInstanceOf(UnsafeArchiveException.class)
                .hasMessageContaining("lies below the symbolic link 'reports'");
        assertThat(everything(outside)).isEmpty();
    }

    @Test
    void aSafeArchiveIsExtractedWithLinksInsideTheTree() throws IOException {
        Path ws = workspace();
        Files.createDirectories(ws.resolve("reports"));
        Files.writeString(ws.resolve("reports/old.txt"), "old");
        byte[] a = archive(tar -> {
            tar.directory("./reports", 0755, 0);
            file(tar, "./reports/old.txt", "new");
            file(tar, "./reports/" + "n".repeat(150) + ".xml", "long");
            tar.symlink("./reports/latest", "old.txt", 0);
        });
        CopyBackReport report = pullFrom(a, ws);
        assertThat(Files.readString(ws.resolve("reports/old.txt"))).isEqualTo("new");
        assertThat(Files.readString(ws.resolve("reports/" + "n".repeat(150) + ".xml"))).isEqualTo("long");
        assertThat(Files.readSymbolicLink(ws.resolve("reports/latest"))).isEqualTo(Path.of("old.txt"));
        assertThat(report.received()).isEqualTo(4);
        assertThat(report.bytesReceived()).isEqualTo(7);
    }
}
