package io.kubepodenv.engine.sync;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a tar archive (ustar, pax and GNU long names: what GNU and busybox tar write) into a directory, refusing any
 * entry that would land outside it: absolute names, names with {@code ..}, links (symbolic or hard) whose target
 * leaves the tree, and entries below a symbolic link. {@link #check} reads a whole archive without writing, so that
 * a refused archive writes nothing.
 */
final class TarExtractor {
    private static final int BLOCK = 512;

    record Result(int entries, long bytes) {
    }

    private record Entry(String name, char type, int mode, long size, long mtime, String link) {
    }

    private TarExtractor() {
    }

    /** Reads the whole archive and refuses it if any entry is unsafe; writes nothing. */
    static void check(InputStream in) throws IOException {
        Set<String> links = new HashSet<>();
        for (Entry e = next(in, null); e != null; e = next(in, null)) {
            for (String link : links) {
                if (e.name.startsWith(link + "/")) {
                    throw new UnsafeArchiveException("archive entry '" + e.name + "' lies below the symbolic link '"
                            + link + "'; refused");
                }
            }
            if (e.type == '2') {
                links.add(e.name);
            }
        }
    }

    /** Extracts into {@code root}, overwriting what is there. */
    static Result extract(InputStream in, Path root) throws IOException {
        int count = 0;
        long bytes = 0;
        List<Runnable> directoryTimes = new ArrayList<>();
        Path base = root.toAbsolutePath().normalize();
        for (Entry e = next(in, base); e != null; ) {
            Path target = base.resolve(e.name);
            refuseLinkedParents(base, target, e.name);
            Entry following = null;
            switch (e.type) {
                case '5' -> {
                    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                            && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        Files.delete(target);
                    }
                    Files.createDirectories(target);
                    setMode(target, e.mode);
                    Entry d = e;
                    directoryTimes.add(() -> setTime(target, d.mtime));
                }
                case '2' -> {
                    replaceable(target);
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Path.of(e.link));
                }
                case '1' -> {
                    Path source = base.resolve(e.link);
                    refuseLinkedParents(base, source, e.link);
                    if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                        throw new UnsafeArchiveException("archive entry '" + e.name + "' is a hard link to '"
                                + e.link + "', which is not a file extracted before it; refused");
                    }
                    replaceable(target);
                    Files.createDirectories(target.getParent());
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
                default -> {
                    replaceable(target);
                    Files.createDirectories(target.getParent());
                    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        copy(in, out, e.size);
                    }
                    skipPadding(in, e.size);
                    setMode(target, e.mode);
                    setTime(target, e.mtime);
                    bytes += e.size;
                }
            }
            count++;
            following = next(in, base);
            e = following;
        }
        directoryTimes.forEach(Runnable::run);
        return new Result(count, bytes);
    }

    /** The next entry, its name checked (null at the end); file content is left in the stream for the caller. */
    private static Entry next(InputStream in, Path base) throws IOException {
        String longName = null;
        String longLink = null;
        String paxPath = null;
        String paxLink = null;
        Long paxSize = null;
        while (true) {
            byte[] header = in.readNBytes(BLOCK);
            if (header.length == 0) {
                return null;
            }
            if (header.length < BLOCK) {
                throw new EOFException("the archive ends inside a header");
            }
            if (allZero(header)) {
                return null;
            }
            char type = (char) header[156];
            long size = paxSize != null ? paxSize : octal(header, 124, 12);
            if (type == 'x' || type == 'L' || type == 'K' || type == 'g') {
                long headerSize = octal(header, 124, 12);
                if (headerSize > 1 << 20) {
                    throw new UnsafeArchiveException("archive has an extended header of " + headerSize
                            + " bytes; refused");
                }
                byte[] data = in.readNBytes((int) headerSize);
                skipPadding(in, headerSize);
                String text = new String(data, StandardCharsets.UTF_8);
                switch (type) {
                    case 'L' -> longName = cString(text);
                    case 'K' -> longLink = cString(text);
                    case 'x' -> {
                        for (String record : paxRecords(text)) {
                            int eq = record.indexOf('=');
                            String key = record.substring(0, eq);
                            String value = record.substring(eq + 1);
                            switch (key) {
                                case "path" -> paxPath = value;
                                case "linkpath" -> paxLink = value;
                                case "size" -> paxSize = Long.parseLong(value);
                                default -> { }
                            }
                        }
                    }
                    default -> { }
                }
                continue;
            }
            String name = paxPath != null ? paxPath : longName != null ? longName : ustarName(header);
            String link = paxLink != null ? paxLink : longLink != null ? longLink : field(header, 157, 100);
            int mode = (int) octal(header, 100, 8) & 07777;
            long mtime = octal(header, 136, 12);
            String clean = checkedName(name);
            if (type == '2') {
                checkLink(clean, link);
            } else if (type == '1') {
                link = checkedName(link);
            } else if (type != '0' && type != '\0' && type != '5' && type != '7') {
                throw new UnsafeArchiveException("archive entry '" + name + "' is of type '" + type
                        + "' (device, fifo or other special file); refused");
            }
            Entry entry = new Entry(clean, type == '7' ? '0' : type, mode, size, mtime, link);
            if (base == null && (entry.type == '0' || entry.type == '\0')) {
                in.skipNBytes(size);
                skipPadding(in, size);
            }
            return entry;
        }
    }

    static String checkedName(String raw) {
        String name = raw;
        if (name.startsWith("/")) {
            throw new UnsafeArchiveException("archive entry '" + raw + "' has an absolute name; refused");
        }
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        while (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.equals(".")) {
            throw new UnsafeArchiveException("archive entry '" + raw + "' names the top directory itself; refused");
        }
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw new UnsafeArchiveException("archive entry '" + raw + "' contains '..'; refused");
            }
            if (part.isEmpty() || part.equals(".")) {
                throw new UnsafeArchiveException("archive entry '" + raw + "' is not a plain relative name; refused");
            }
        }
        return name;
    }

    /** A symbolic link's target must resolve inside the tree, relative to the link's own directory. */
    static void checkLink(String name, String target) {
        if (target.isEmpty() || target.startsWith("/")) {
            throw new UnsafeArchiveException("archive entry '" + name + "' is a link to '" + target
                    + "', outside the tree; refused");
        }
        int depth = name.split("/").length - 1;
        for (String part : target.split("/")) {
            if (part.equals("..")) {
                depth--;
            } else if (!part.isEmpty() && !part.equals(".")) {
                depth++;
            }
            if (depth < 0) {
                throw new UnsafeArchiveException("archive entry '" + name + "' is a link to '" + target
                        + "', which leaves the tree; refused");
            }
        }
    }

    private static void refuseLinkedParents(Path base, Path target, String name) {
        Path p = target.getParent();
        while (p != null && p.startsWith(base) && !p.equals(base)) {
            if (Files.isSymbolicLink(p)) {
                throw new UnsafeArchiveException("archive entry '" + name + "' lies below the symbolic link '"
                        + base.relativize(p) + "'; refused");
            }
            p = p.getParent();
        }
    }

    private static void replaceable(Path target) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.walkFileTree(target, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } else {
            Files.deleteIfExists(target);
        }
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new EOFException("the archive ends inside a file");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static void skipPadding(InputStream in, long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            in.skipNBytes(BLOCK - rest);
        }
    }

    private static void setMode(Path p, int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                perms.add(all[i]);
            }
        }
        try {
            Files.setPosixFilePermissions(p, perms);
        } catch (IOException | UnsupportedOperationException ignored) {
            // a file system without POSIX modes keeps its defaults
        }
    }

    private static void setTime(Path p, long seconds) {
        try {
            Files.setLastModifiedTime(p, FileTime.fromMillis(seconds * 1000));
        } catch (IOException ignored) {
            // the content matters; a time that cannot be set is not an error
        }
    }

    private static String ustarName(byte[] h) {
        String name = field(h, 0, 100);
        String magic = field(h, 257, 6);
        if (magic.startsWith("ustar")) {
            String prefix = field(h, 345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    private static String field(byte[] h, int offset, int length) {
        int end = offset;
        while (end < offset + length && h[end] != 0) {
            end++;
        }
        return new String(h, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static String cString(String s) {
        int nul = s.indexOf('\0');
        return nul >= 0 ? s.substring(0, nul) : s;
    }

    private static List<String> paxRecords(String text) {
        List<String> records = new ArrayList<>();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int pos = 0;
        while (pos < bytes.length) {
            int space = pos;
            while (space < bytes.length && bytes[space] != ' ') {
                space++;
            }
            if (space >= bytes.length) {
                break;
            }
            int length = Integer.parseInt(new String(bytes, pos, space - pos, StandardCharsets.US_ASCII));
            if (length <= space - pos + 1 || pos + length > bytes.length) {
                throw new UnsafeArchiveException("archive has a malformed pax header; refused");
            }
            String record = new String(bytes, space + 1, length - (space - pos) - 2, StandardCharsets.UTF_8);
            if (record.indexOf('=') > 0) {
                records.add(record);
            }
            pos += length;
        }
        return records;
    }

    private static long octal(byte[] h, int offset, int length) {
        if ((h[offset] & 0x80) != 0) { // base-256 (GNU) for large values
            long v = h[offset] & 0x7f;
            for (int i = offset + 1; i < offset + length; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        long v = 0;
        for (int i = offset; i < offset + length; i++) {
            byte b = h[i];
            if (b == 0 || b == ' ') {
                if (v != 0 || i > offset) {
                    if (b == 0) {
                        break;
                    }
                    continue;
                }
                continue;
            }
            if (b < '0' || b > '7') {
                throw new UnsafeArchiveException("archive has a malformed number in a header; refused");
            }
            v = v * 8 + (b - '0');
        }
        return v;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
