package io.kubepodenv.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The client side of {@link BenchTarget}'s protocol, through whatever forwards to it. Every read is bounded. */
final class LoadClient {
    static final int TIMEOUT_MS = 120_000;

    private LoadClient() {
    }

    /** A transfer's duration and whether the checksums matched. */
    record Transfer(long nanos, boolean intact) {
        double mbPerSecond(long bytes) {
            return bytes / (nanos / 1e9) / 1e6;
        }
    }

    static Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(address, 10_000);
        s.setSoTimeout(TIMEOUT_MS);
        return s;
    }

    static Transfer upload(InetSocketAddress address, long length, Payload payload, long expected) throws IOException {
        long start = System.nanoTime();
        try (Socket s = connect(address)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write('U');
            out.writeLong(length);
            long sent = payload.write(out, length);
            long received = new DataInputStream(s.getInputStream()).readLong();
            long nanos = System.nanoTime() - start;
            return new Transfer(nanos, sent == expected && received == expected);
        }
    }

    static Transfer download(InetSocketAddress address, long length, long seed, long expected) throws IOException {
        long start = System.nanoTime();
        try (Socket s = connect(address)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write('D');
            out.writeLong(length);
            out.writeLong(seed);
            out.flush();
            long received = Payload.read(s.getInputStream(), length);
            long nanos = System.nanoTime() - start;
            return new Transfer(nanos, received == expected);
        }
    }

    /**
     * One long download on one connection, read until {@code running} turns false; the bytes received are checked
     * against the same prefix of the payload.
     *
     * @return the bytes received, negative when they did not match
     */
    static long streamDownload(InetSocketAddress address, long seed, java.util.function.BooleanSupplier running)
        throws IOException {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        long received = 0;
        try (Socket s = connect(address)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write('D');
            out.writeLong(Long.MAX_VALUE / 2);
            out.writeLong(seed);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256 * 1024];
            while (running.getAsBoolean()) {
                int n = in.read(buf);
                if (n < 0) {
                    throw new IOException("stream ended after " + received + " bytes");
                }
                crc.update(buf, 0, n);
                received += n;
            }
        }
        long expected = new Payload(seed).expected(received);
        return (crc.getValue() ^ received) == expected ? received : -received;
    }

    /** Round trips of {@code size}-byte messages on one connection; nanoseconds each. */
    static long[] roundTrips(InetSocketAddress address, int count, int size) throws IOException {
        long[] times = new long[count];
        byte[] msg = new byte[size];
        byte[] back = new byte[size];
        try (Socket s = connect(address)) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write('E');
            for (int i = 0; i < count; i++) {
                Arrays.fill(msg, (byte) i);
                long start = System.nanoTime();
                out.write(msg);
                out.flush();
                in.readFully(back);
                times[i] = System.nanoTime() - start;
                if (!Arrays.equals(msg, back)) {
                    throw new IOException("echo mismatch at round trip " + i);
                }
            }
        }
        return times;
    }

    /** New connection, {@code GET /_ping}, answer read to the end: what each docker CLI command pays at least. */
    static long connectAndPing(InetSocketAddress address) throws IOException {
        long start = System.nanoTime();
        try (Socket s = connect(address)) {
            s.getOutputStream().write("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            if (!answer.startsWith("HTTP/1.1 200") || !answer.endsWith("OK")) {
                throw new IOException("unexpected ping answer: " + answer);
            }
        }
        return System.nanoTime() - start;
    }
}
