package io.kubepodenv.engine.exec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Copies a local file or directory into a pod's first container: a tar stream written on the fly into
 * {@code tar -x} running there (through {@link PodExec}). The container needs {@code sh}, {@code mkdir}, {@code head}
 * and {@code tar} (busybox has them).
 *
 * <p>The destination names the copy itself: {@code upload(dir, "/data/src")} makes {@code /data/src} hold the
 * contents of {@code dir}; {@code upload(file, "/tmp/x.txt")} writes {@code /tmp/x.txt}. Parent directories are
 * created. Existing files are overwritten.
 */
public final class PodUpload {
    private final PodExec exec;

    public PodUpload(PodExec exec) {
        this.exec = Objects.requireNonNull(exec, "exec");
    }

    /**
     * Uploads {@code source} to {@code destination} (an absolute path in the container).
     *
     * @throws ExecException if the source cannot be read or the extraction in the pod fails; the message includes
     *                       what tar printed
     */
    public void upload(String pod, Path source, String destination, Duration timeout) {
        if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new ExecException("cannot upload " + source + ": it does not exist");
        }
        String dest = destination.endsWith("/") && destination.length() > 1
                ? destination.substring(0, destination.length() - 1) : destination;
        if (!dest.startsWith("/") || dest.equals("/")) {
            throw new ExecException("the destination must be an absolute path below / in the container, not '"
                    + destination + "'");
        }
        int slash = dest.lastIndexOf('/');
        String parent = slash == 0 ? "/" : dest.substring(0, slash);
        String name = dest.substring(slash + 1);

        TarStream archive;
        try {
            archive = TarStream.start((tar, withContent) -> add(tar, source, name, withContent), "kpe-upload-tar");
        } catch (IOException e) {
            throw new ExecException("cannot read " + source + " for the upload: " + e.getMessage(), e);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        // Paths travel as positional parameters, never inside the script: no quoting problems, no injection.
        List<String> command = List.of("sh", "-c",
                "mkdir -p \"$1\" && head -c \"$2\" | tar -x -f - -C \"$1\"", "kpe-upload", parent,
                Long.toString(archive.size()));
        int code;
        try (archive) {
            code = exec.run(pod, command, archive.input(), out, err, timeout);
        }
        IOException failure = archive.failure();
        if (failure != null && code == 0) {
            throw new ExecException("reading " + source + " for the upload failed: " + failure.getMessage(),
                    failure);
        }
        if (code != 0) {
            String detail = (err.toString(java.nio.charset.StandardCharsets.UTF_8) + out.toString(
                    java.nio.charset.StandardCharsets.UTF_8)).trim();
            throw new ExecException("uploading " + source + " to " + dest + " in pod " + exec.namespace() + "/" + pod
                    + " failed: tar exited " + code + (detail.isEmpty() ? "" : ": " + detail)
                    + (failure != null ? " (reading the source: " + failure.getMessage() + ")" : ""));
        }
    }

    private static void add(TarWriter tar, Path path, String name, boolean withContent) throws IOException {
        long mtime = Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toMillis() / 1000;
        if (Files.isSymbolicLink(path)) {
            tar.symlink(name, Files.readSymbolicLink(path).toString(), mtime);
        } else if (Files.isDirectory(path)) {
            tar.directory(name, mode(path, 0755), mtime);
            List<Path> children;
            try (Stream<Path> list = Files.list(path)) {
                children = list.sorted().toList();
            }
            for (Path child : children) {
                add(tar, child, name + "/" + child.getFileName(), withContent);
            }
        } else if (Files.isRegularFile(path)) {
            long size = Files.size(path);
            if (withContent) {
                try (InputStream in = Files.newInputStream(path)) {
                    tar.file(name, mode(path, 0644), size, mtime, in);
                }
            } else {
                tar.file(name, mode(path, 0644), size, mtime, null);
            }
        }
        // sockets, fifos and devices are skipped
    }

    private static int mode(Path path, int fallback) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            int mode = 0;
            for (PosixFilePermission p : perms) {
                mode |= switch (p) {
                    case OWNER_READ -> 0400;
                    case OWNER_WRITE -> 0200;
                    case OWNER_EXECUTE -> 0100;
                    case GROUP_READ -> 040;
                    case GROUP_WRITE -> 020;
                    case GROUP_EXECUTE -> 010;
                    case OTHERS_READ -> 04;
                    case OTHERS_WRITE -> 02;
                    case OTHERS_EXECUTE -> 01;
                };
            }
            return mode;
        } catch (IOException | UnsupportedOperationException e) {
            return fallback;
        }
    }
}
