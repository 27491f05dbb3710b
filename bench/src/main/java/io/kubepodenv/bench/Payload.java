package io.kubepodenv.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The bytes of a transfer: a 1 MiB random block (from a seed) repeated, each repetition stamped with its index in its
 * first 8 bytes, so that a lost, duplicated or reordered block changes the checksum. Checksum: CRC32C of the bytes
 * plus their count (cheap enough not to limit the transfer being measured).
 */
final class Payload {
    static final int BLOCK = 1 << 20;

    private final byte[] block = new byte[BLOCK];

    Payload(long seed) {
        new SplittableRandom(seed).nextBytes(block);
    }

    /** Writes {@code length} bytes; returns their checksum. */
    long write(OutputStream out, long length) throws IOException {
        byte[] buf = new byte[BLOCK];
        CRC32C crc = new CRC32C();
        long index = 0;
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(BLOCK, left);
            stamp(buf, index++);
            out.write(buf, 0, n);
            crc.update(buf, 0, n);
            left -= n;
        }
        out.flush();
        return crc.getValue() ^ length;
    }

    /** The checksum {@link #write} produces for {@code length} bytes, without writing them. */
    long expected(long length) {
        byte[] buf = new byte[BLOCK];
        CRC32C crc = new CRC32C();
        long index = 0;
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(BLOCK, left);
            stamp(buf, index++);
            crc.update(buf, 0, n);
            left -= n;
        }
        return crc.getValue() ^ length;
    }

    private void stamp(byte[] buf, long index) {
        System.arraycopy(block, 0, buf, 0, BLOCK);
        ByteBuffer.wrap(buf).putLong(0, index);
    }

    /** Reads exactly {@code length} bytes and returns their checksum. */
    static long read(InputStream in, long length) throws IOException {
        byte[] buf = new byte[256 * 1024];
        CRC32C crc = new CRC32C();
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("stream ended " + left + " bytes early");
            }
            crc.update(buf, 0, n);
            left -= n;
        }
        return crc.getValue() ^ length;
    }
}
