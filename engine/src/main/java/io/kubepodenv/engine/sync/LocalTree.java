package io.kubepodenv.engine.sync;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The entries of a local directory to mirror, read without following symbolic links, excludes applied. */
final class LocalTree {
    enum Type { FILE, DIRECTORY, LINK }

    /** One entry; {@code path} is relative, '/'-separated. */
    record Entry(String path, Type type, int mode, long size, long mtime, String linkTarget) {
    }

    private LocalTree() {
    }

    /**
     * @throws SyncException if the tree cannot be read or holds a name the pod's listing cannot carry
     * @throws SyncTooLargeException if its files hold more than {@code sizeLimit} bytes
     */
    static List<Entry> read(Path root, SyncExcludes excludes, long sizeLimit, String limitHint) {
        List<Entry> entries = new ArrayList<>();
        long[] total = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (dir.equals(root)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String rel = relative(root, dir);
                    if (excludes.excludes(rel)) {
                        return excludes.mayIncludeBelowExcluded() ? FileVisitResult.CONTINUE
                                : FileVisitResult.SKIP_SUBTREE;
                    }
                    entries.add(new Entry(rel, Type.DIRECTORY, mode(dir), 0, mtime(attrs), null));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String rel = relative(root, file);
                    if (excludes.excludes(rel)) {
                        return FileVisitResult.CONTINUE;
                    }
                    if (attrs.isSymbolicLink()) {
                        entries.add(new Entry(rel, Type.LINK, 0777, 0, mtime(attrs),
                                Files.readSymbolicLink(file).toString()));
                    } else if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                        if (total[0] > sizeLimit) {
                            throw new SyncTooLargeException("the tree " + root + " holds more than the sync size "
                                    + "limit of " + Bytes.human(sizeLimit) + " (" + limitHint + "); leave files out "
                                    + "with a .kpeignore or syncExclude, or raise the limit");
                        }
                        entries.add(new Entry(rel, Type.FILE, mode(file), attrs.size(), mtime(attrs), null));
                    }
                    // sockets, fifos and devices are not mirrored
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new SyncException("cannot read " + root + " for the sync: " + e, e);
        }
        // Directories whose own entry was excluded but that hold taken-back entries still need to exist.
        return entries;
    }

    private static String relative(Path root, Path p) {
        String rel = root.relativize(p).toString().replace('\\', '/');
        if (rel.indexOf('\n') >= 0 || rel.indexOf('\r') >= 0) {
            throw new SyncException("cannot sync '" + rel.replace("\n", "\\n").replace("\r", "\\r") + "' in " + root
                    + ": names with a line break are not supported; leave it out with a .kpeignore pattern");
        }
        return rel;
    }

    private static long mtime(BasicFileAttributes attrs) {
        return Math.floorDiv(attrs.lastModifiedTime().toMillis(), 1000);
    }

    static int mode(Path path) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            int mode = 0;
            for (PosixFilePermission p : perms) {
                mode |= 1 << (8 - p.ordinal());
            }
            return mode;
        } catch (IOException | UnsupportedOperationException e) {
            return Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? 0755 : 0644;
        }
    }
}
