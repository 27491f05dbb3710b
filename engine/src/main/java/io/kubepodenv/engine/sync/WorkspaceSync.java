package io.kubepodenv.engine.sync;

import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.exec.TarStream;
import io.kubepodenv.engine.exec.TarWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Mirrors a local directory into the Docker host's pod at the same absolute path, so that bind mounts
 * ({@code docker run -v "$PWD/src:/src"}, {@code ./src:/app} in a compose file) name the same files for the Docker
 * server as on this machine, and copies paths back after the build.
 *
 * <p>The mirror's data lives on the environment's volume ({@link SyncOptions#store()} followed by the absolute path),
 * so it survives a pod restart; the absolute path itself is a symbolic link to it, made again by every sync (the
 * Docker server follows it when it resolves a bind mount's source). A sync costs one command in the pod that lists
 * what the mirror holds (type, mode, size, modification time; link targets), and, if anything differs, one more that
 * deletes what is gone and extracts a tar of what was added or changed. Symbolic links are copied as links, never
 * followed; modes and modification times are kept. {@code .git}, the patterns of the tree's {@code .kpeignore} and
 * {@link SyncOptions#excludes()} are left out, and what they match in the pod is left alone.
 *
 * <p>The first container needs {@code sh}, {@code find}, {@code stat}, {@code dd}, {@code head}, {@code xargs},
 * {@code rm}, {@code ln}, {@code readlink} and {@code tar}: busybox (docker:dind) has them.
 */
public final class WorkspaceSync {
    static final String IGNORE_FILE = ".kpeignore";
    private static final String LINKS_MARKER = "//links";

    // $1 store, $2 absolute path. Makes the data directory and the link, then lists the data directory.
    private static final String LIST_SCRIPT = """
            for t in tar find stat dd head xargs rm ln readlink mkdir; do
              command -v "$t" >/dev/null 2>&1 || { echo "the first container has no '$t' command" >&2; exit 90; }
            done
            data="$1$2"
            mkdir -p "$data" || exit 91
            if [ -L "$2" ]; then
              [ "$(readlink "$2")" = "$data" ] || { rm -f "$2" && ln -s "$data" "$2"; } || exit 92
            elif [ -d "$2" ] && [ -z "$(ls -A "$2")" ]; then
              rmdir "$2" && ln -s "$data" "$2" || exit 92
            elif [ -e "$2" ]; then
              echo "$2 already exists in the pod and is not a mirror made by a sync" >&2; exit 93
            else
              mkdir -p "$(dirname "$2")" && ln -s "$data" "$2" || exit 92
            fi
            cd "$data" || exit 91
            find . -mindepth 1 -exec stat -c '%f %s %Y %n' {} + || exit 94
            echo '//links'
            find . -mindepth 1 -type l -exec stat -c '%N' {} + || exit 94
            """;

    // $1 data directory, $2 bytes of the NUL-separated deletion list, $3 bytes of the tar. dd reads exactly $2 bytes
    // (head would read ahead into the tar); head ends tar's input, which busybox tar reads to its end.
    private static final String APPLY_SCRIPT = """
            cd "$1" || exit 91
            umask 0
            if [ "$2" -gt 0 ]; then dd bs=1 count="$2" 2>/dev/null | xargs -0 rm -rf -- || exit 95; fi
            if [ "$3" -gt 0 ]; then head -c "$3" | tar -x -f - || exit 96; fi
            """;

    // $1 data directory, then the paths to copy back. Missing ones are named on stderr.
    private static final String PACK_SCRIPT = """
            cd "$1" || exit 91
            shift
            n=0
            for p in "$@"; do
              if [ -e "$p" ] || [ -L "$p" ]; then n=$((n + 1)); else echo "missing:$p" >&2; fi
            done
            [ "$n" -gt 0 ] || exit 0
            for p in "$@"; do
              if [ -e "$p" ] || [ -L "$p" ]; then printf '%s\\0' "$p"; fi
            done | xargs -0 tar -c -f - --
            """;

    private final PodCommands pod;
    private final SyncOptions options;
    private final String limitHint;

    /**
     * @param limitHint how the user raises the size limit where this runs (an option name), for the error message
     */
    public WorkspaceSync(PodCommands pod, SyncOptions options, String limitHint) {
        this.pod = Objects.requireNonNull(pod, "pod");
        this.options = Objects.requireNonNull(options, "options");
        this.limitHint = Objects.requireNonNull(limitHint, "limitHint");
    }

    /** The absolute path the pod's mirror of {@code dir} has: the same as here. */
    public static String podPath(Path dir) {
        return dir.toAbsolutePath().normalize().toString().replace('\\', '/');
    }

    /**
     * Makes the pod's mirror of {@code dir} equal to it (excludes aside).
     *
     * @throws InvalidInputException if {@code dir} is not a directory or its path cannot be mirrored
     * @throws SyncTooLargeException if it holds more than the size limit
     * @throws SyncException         if the pod refuses or lacks a tool; the message says what the pod printed
     */
    public SyncReport push(Path dir) {
        long started = System.nanoTime();
        String path = checkedPath(dir);
        SyncExcludes excludes = SyncExcludes.of(ignoreFile(dir), options.excludes());
        List<LocalTree.Entry> local = LocalTree.read(dir, excludes, options.sizeLimit(), limitHint);

        Listing remote = list(path);
        Set<String> localPaths = new HashSet<>();
        List<LocalTree.Entry> send = new ArrayList<>();
        TreeMap<String, Boolean> delete = new TreeMap<>();
        int unchanged = 0;
        for (LocalTree.Entry entry : local) {
            localPaths.add(entry.path());
            RemoteEntry there = remote.entries().get(entry.path());
            if (there != null && there.type() != entry.type()) {
                delete.put(entry.path(), true);
                there = null;
            }
            if (there != null && same(entry, there, remote.links())) {
                unchanged++;
            } else {
                send.add(entry);
            }
        }
        for (String p : remote.entries().keySet()) {
            if (!localPaths.contains(p) && !excludes.excludes(p)) {
                delete.put(p, true);
            }
        }
        List<String> deletions = topmost(delete.keySet());
        long bytes = send.stream().mapToLong(LocalTree.Entry::size).sum();
        if (!send.isEmpty() || !deletions.isEmpty()) {
            apply(dir, path, send, deletions);
        }
        return new SyncReport(path, send.size(), bytes, unchanged, deletions.size(),
                Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * Copies {@code paths} (relative to {@code dir}) from the pod's mirror into {@code dir}, overwriting what is
     * there. Paths the mirror does not hold are reported, not an error.
     *
     * @throws InvalidInputException   if a path is absolute or leaves the tree
     * @throws UnsafeArchiveException  if the pod sends an entry that would land outside {@code dir}
     * @throws SyncException           if the pod refuses
     */
    public CopyBackReport pull(Path dir, List<String> paths) {
        long started = System.nanoTime();
        String path = checkedPath(dir);
        List<String> wanted = new ArrayList<>();
        for (String p : paths) {
            wanted.add(copyBackPath(p));
        }
        if (wanted.isEmpty()) {
            return new CopyBackReport(path, 0, 0, List.of(), Duration.ZERO);
        }
        List<String> command = new ArrayList<>(List.of("sh", "-c", PACK_SCRIPT, "kpe-sync-back",
                options.store() + path));
        command.addAll(wanted);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // The archive is kept in a file first: a pipe fed by the exec's own threads could break when one of them
        // ends, and the pod's output is checked completely before anything is written into the tree.
        Path archive;
        try {
            archive = Files.createTempFile("kpe-sync-back", ".tar");
        } catch (IOException e) {
            throw new SyncException("cannot make a temporary file for the copy back: " + e.getMessage(), e);
        }
        int code;
        TarExtractor.Result result;
        try {
            try (OutputStream out = Files.newOutputStream(archive)) {
                code = pod.run(command, null, out, err, options.timeout());
            } catch (IOException e) {
                throw new SyncException("cannot write " + archive + ": " + e.getMessage(), e);
            }
            if (code != 0) {
                result = null;
            } else {
                try (InputStream in = Files.newInputStream(archive)) {
                    TarExtractor.check(in);
                }
                try (InputStream in = Files.newInputStream(archive)) {
                    result = TarExtractor.extract(in, dir);
                }
            }
        } catch (IOException e) {
            throw new SyncException("copying back into " + dir + " failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(archive);
            } catch (IOException ignored) {
                // a temporary file
            }
        }
        List<String> missing = new ArrayList<>();
        StringBuilder other = new StringBuilder();
        for (String line : err.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("missing:")) {
                missing.add(line.substring("missing:".length()));
            } else if (!line.isBlank()) {
                other.append(line.strip()).append("; ");
            }
        }
        if (code != 0) {
            throw new SyncException("copying " + String.join(", ", wanted) + " back from the Docker host's " + path
                    + " failed: exit " + code + (other.length() == 0 ? "" : ": " + other));
        }
        return new CopyBackReport(path, result.entries(), result.bytes(), missing, Duration.ofNanos(System.nanoTime()
                - started));
    }

    private String checkedPath(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("sync: " + dir + " is not a directory");
        }
        String path = podPath(dir);
        String store = options.store();
        if (path.equals("/") || path.contains("\n")) {
            throw new InvalidInputException("sync: " + path + " cannot be mirrored; give a directory below /");
        }
        if (path.equals(store) || path.startsWith(store + "/") || store.startsWith(path + "/")) {
            throw new InvalidInputException("sync: " + path + " overlaps the store of mirrors in the pod, " + store);
        }
        return path;
    }

    /** A path to copy back: relative, inside the tree, '/'-separated, without './' or trailing '/'. */
    public static String copyBackPath(String raw) {
        String p = raw.replace('\\', '/');
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        while (p.endsWith("/") && p.length() > 1) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty() || p.equals(".") || p.startsWith("/") || p.contains("\n") || p.contains("\0")) {
            throw new InvalidInputException("sync back: '" + raw + "' is not a path inside the workspace; give a "
                    + "relative path such as reports");
        }
        for (String part : p.split("/")) {
            if (part.equals("..")) {
                throw new InvalidInputException("sync back: '" + raw + "' leaves the workspace ('..')");
            }
        }
        return "./" + p;
    }

    private List<String> ignoreFile(Path dir) {
        Path file = dir.resolve(IGNORE_FILE);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SyncException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean same(LocalTree.Entry local, RemoteEntry remote, Set<String> links) {
        return switch (local.type()) {
            case DIRECTORY -> (remote.mode() & 07777) == local.mode();
            case FILE -> (remote.mode() & 07777) == local.mode() && remote.size() == local.size()
                    && remote.mtime() == local.mtime();
            case LINK -> links.contains("'./" + local.path() + "' -> '" + local.linkTarget() + "'");
        };
    }

    private static List<String> topmost(Set<String> sorted) {
        List<String> result = new ArrayList<>();
        String last = null;
        for (String p : sorted) {
            if (last != null && p.startsWith(last + "/")) {
                continue;
            }
            result.add(p);
            last = p;
        }
        return result;
    }

    record RemoteEntry(LocalTree.Type type, int mode, long size, long mtime) {
    }

    record Listing(Map<String, RemoteEntry> entries, Set<String> links) {
    }

    private Listing list(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = pod.run(List.of("sh", "-c", LIST_SCRIPT, "kpe-sync", options.store(), path), null, out, err,
                options.timeout());
        if (code != 0) {
            String detail = err.toString(StandardCharsets.UTF_8).strip();
            throw new SyncException("the Docker host's pod cannot hold the mirror of " + path + " (exit " + code
                    + (detail.isEmpty() ? "" : ": " + detail) + ")" + (code == 90
                    ? "; the first container of the template must provide these commands (busybox has them)" : ""));
        }
        return parse(out.toString(StandardCharsets.UTF_8));
    }

    static Listing parse(String listing) {
        Map<String, RemoteEntry> entries = new HashMap<>();
        Set<String> links = new HashSet<>();
        boolean inLinks = false;
        for (String line : listing.split("\n")) {
            if (line.equals(LINKS_MARKER)) {
                inLinks = true;
            } else if (inLinks) {
                links.add(line);
            } else {
                String[] parts = line.split(" ", 4);
                if (parts.length < 4 || !parts[3].startsWith("./")) {
                    continue;
                }
                int raw;
                long size;
                long mtime;
                try {
                    raw = Integer.parseInt(parts[0], 16);
                    size = Long.parseLong(parts[1]);
                    mtime = Long.parseLong(parts[2]);
                } catch (NumberFormatException e) {
                    continue;
                }
                LocalTree.Type type = switch (raw & 0170000) {
                    case 0040000 -> LocalTree.Type.DIRECTORY;
                    case 0100000 -> LocalTree.Type.FILE;
                    case 0120000 -> LocalTree.Type.LINK;
                    default -> null;
                };
                String name = parts[3].substring(2);
                if (type == null || name.isEmpty() || List.of(name.split("/")).contains("..")) {
                    continue;
                }
                entries.put(name, new RemoteEntry(type, raw & 07777, size, mtime));
            }
        }
        return new Listing(entries, links);
    }

    private void apply(Path dir, String path, List<LocalTree.Entry> send, List<String> deletions) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (String d : deletions) {
            list.writeBytes(("./" + d).getBytes(StandardCharsets.UTF_8));
            list.write(0);
        }
        TarStream archive = null;
        if (!send.isEmpty()) {
            try {
                archive = TarStream.start((tar, withContent) -> write(tar, dir, send, withContent), "kpe-sync-tar");
            } catch (IOException e) {
                throw new SyncException("cannot read " + dir + " for the sync: " + e.getMessage(), e);
            }
        }
        InputStream stdin = new SequenceInputStream(new java.io.ByteArrayInputStream(list.toByteArray()),
                archive == null ? InputStream.nullInputStream() : archive.input());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            code = pod.run(List.of("sh", "-c", APPLY_SCRIPT, "kpe-sync", options.store() + path,
                    Integer.toString(list.size()), Long.toString(archive == null ? 0 : archive.size())), stdin, out,
                    err, options.timeout());
        } finally {
            if (archive != null) {
                archive.close();
            }
        }
        IOException failure = archive == null ? null : archive.failure();
        if (code != 0 || failure != null) {
            String detail = (err.toString(StandardCharsets.UTF_8) + out.toString(StandardCharsets.UTF_8)).strip();
            throw new SyncException("syncing " + dir + " into the Docker host failed: "
                    + (code != 0 ? "exit " + code + (detail.isEmpty() ? "" : ": " + detail) : "")
                    + (failure != null ? " (reading " + dir + ": " + failure.getMessage() + ")" : ""), failure);
        }
    }

    private static void write(TarWriter tar, Path dir, List<LocalTree.Entry> send, boolean withContent)
            throws IOException {
        for (LocalTree.Entry e : send) {
            String name = "./" + e.path();
            switch (e.type()) {
                case DIRECTORY -> tar.directory(name, e.mode(), e.mtime());
                case LINK -> tar.symlink(name, e.linkTarget(), e.mtime());
                case FILE -> {
                    if (withContent) {
                        try (InputStream in = Files.newInputStream(dir.resolve(e.path()), LinkOption.NOFOLLOW_LINKS)) {
                            tar.file(name, e.mode(), e.size(), e.mtime(), in);
                        }
                    } else {
                        tar.file(name, e.mode(), e.size(), e.mtime(), null);
                    }
                }
            }
        }
    }
}
