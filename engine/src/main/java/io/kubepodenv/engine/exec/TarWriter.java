package io.kubepodenv.engine.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal POSIX tar (ustar) writer, with pax headers for names, link targets and sizes that do not fit. Enough for
 * uploading files, directories and symbolic links; readable by GNU tar and busybox tar. The archive is padded to whole
 * 10240-byte records, so a reader that stops at the end marker has consumed everything we sent.
 */
public final class TarWriter {
    private static final int BLOCK = 512;
    private static final int RECORD = 20 * BLOCK;
    private static final long MAX_OCTAL_SIZE = 077777777777L;

    private final OutputStream out;
    private long written;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    public void directory(String name, int mode, long mtimeSeconds) throws IOException {
        header(name.endsWith("/") ? name : name + "/", mode, 0, mtimeSeconds, '5', "");
    }

    public void symlink(String name, String target, long mtimeSeconds) throws IOException {
        header(name, 0777, 0, mtimeSeconds, '2', target);
    }

    /** Adds a file of {@code size} bytes read from {@code content}; a null content only counts (see {@link #size}). */
    public void file(String name, int mode, long size, long mtimeSeconds, InputStream content) throws IOException {
        header(name, mode, size, mtimeSeconds, '0', "");
        if (content == null) { // measuring only
            written += size;
            pad();
            return;
        }
        byte[] buf = new byte[64 * 1024];
        long left = size;
        while (left > 0) {
            int n = content.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException(name + " became shorter while it was being copied");
            }
            write(buf, 0, n);
            left -= n;
        }
        pad();
    }

    /** Bytes written so far. */
    public long size() {
        return written;
    }

    /** Writes the end marker (two zero blocks) and pads to a whole record. */
    public void finish() throws IOException {
        write(new byte[2 * BLOCK], 0, 2 * BLOCK);
        int rest = (int) (written % RECORD);
        if (rest != 0) {
            write(new byte[RECORD - rest], 0, RECORD - rest);
        }
        out.flush();
    }

    private void header(String name, int mode, long size, long mtime, char type, String link) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        StringBuilder pax = new StringBuilder();
        if (nameBytes.length > 100 || !isAscii(name)) {
            pax.append(paxRecord("path", name));
        }
        if (linkBytes.length > 100 || !isAscii(link)) {
            pax.append(paxRecord("linkpath", link));
        }
        if (size > MAX_OCTAL_SIZE) {
            pax.append(paxRecord("size", Long.toString(size)));
        }
        if (pax.length() > 0) {
            byte[] data = pax.toString().getBytes(StandardCharsets.UTF_8);
            writeBlock(block(ascii("PaxHeaders/" + lastPart(name)), 0644, data.length, mtime, 'x', ""));
            write(data, 0, data.length);
            pad();
        }
        writeBlock(block(ascii(name), mode, size > MAX_OCTAL_SIZE ? 0 : size, mtime, type, ascii(link)));
    }

    private static byte[] block(String name, int mode, long size, long mtime, char type, String link) {
        byte[] b = new byte[BLOCK];
        put(b, 0, 100, name);
        octal(b, 100, 8, mode & 07777);
        octal(b, 108, 8, 0);
        octal(b, 116, 8, 0);
        octal(b, 124, 12, size);
        octal(b, 136, 12, Math.max(0, mtime));
        Arrays.fill(b, 148, 156, (byte) ' ');
        b[156] = (byte) type;
        put(b, 157, 100, link);
        put(b, 257, 6, "ustar");
        put(b, 263, 2, "00");
        put(b, 265, 32, "root");
        put(b, 297, 32, "root");
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        octal(b, 148, 7, sum);
        return b;
    }

    private static String paxRecord(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        int total = length + Integer.toString(length).length();
        if (Integer.toString(total).length() != Integer.toString(length).length()) {
            total++;
        }
        return total + body;
    }

    private static String ascii(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 128 ? c : '_');
        }
        return b.length() > 100 ? b.substring(b.length() - 100) : b.toString();
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 128);
    }

    private static String lastPart(String name) {
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    private static void put(byte[] b, int offset, int length, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, b, offset, Math.min(length, bytes.length));
    }

    private static void octal(byte[] b, int offset, int length, long value) {
        String s = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, length - 1 - s.length())) + s;
        put(b, offset, length - 1, padded);
        b[offset + length - 1] = 0;
    }

    private void writeBlock(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    private void pad() throws IOException {
        int rest = (int) (written % BLOCK);
        if (rest != 0) {
            write(new byte[BLOCK - rest], 0, BLOCK - rest);
        }
    }

    private void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        written += len;
    }
}
