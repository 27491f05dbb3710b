package io.kubepodenv.engine.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.HexFormat;

/** The client side of {@link PortForwardLoadServer}: uploads, downloads and round trips through any address. */
public final class PortForwardLoadClient {
    private PortForwardLoadClient() {
    }

    /** Uploads {@code length} pattern bytes; fails unless the server's checksum matches ours. Returns nanoseconds. */
    public static long upload(InetSocketAddress address, long length, long seed) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(120_000);
            s.setTcpNoDelay(true);
            long start = System.nanoTime();
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write('U');
            out.writeLong(length);
            byte[] sent = PortForwardLoadServer.pattern(out, length, seed);
            out.flush();
            byte[] received = new DataInputStream(s.getInputStream()).readNBytes(16);
            long elapsed = System.nanoTime() - start;
            if (!Arrays.equals(sent, received)) {
                throw new IOException("upload of " + length + " bytes: checksum sent " + hex(sent) + " but server saw "
                        + (received.length == 16 ? hex(received) : received.length + " bytes of answer"));
            }
            return elapsed;
        }
    }

    /** Downloads {@code length} pattern bytes; fails unless they match. Returns nanoseconds. */
    public static long download(InetSocketAddress address, long length, long seed) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(120_000);
            long start = System.nanoTime();
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write('D');
            out.writeLong(length);
            out.writeLong(seed);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] got = PortForwardLoadServer.digest(in, length);
            long elapsed = System.nanoTime() - start;
            byte[] expected = PortForwardLoadServer.pattern(null, length, seed);
            if (!Arrays.equals(expected, got)) {
                throw new IOException("download of " + length + " bytes: checksum mismatch");
            }
            return elapsed;
        }
    }

    /** One-byte round trips on one connection; returns each round trip in nanoseconds. */
    public static long[] roundTrips(InetSocketAddress address, int count) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 10_000);
            s.setSoTimeout(30_000);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write('P');
            out.flush();
            long[] times = new long[count];
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                out.write(i & 0x7f);
                out.flush();
                if (in.read() != (i & 0x7f)) {
                    throw new IOException("echo mismatch at round trip " + i);
                }
                times[i] = System.nanoTime() - start;
            }
            return times;
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
