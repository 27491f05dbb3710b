package io.kubepodenv.engine.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * A loopback TCP server that stands in for a pod's port in transfer tests and benchmarks. Each connection sends one
 * command byte:
 * <ul>
 *   <li>{@code U} + 8-byte length: the server reads that many bytes and answers their checksum (16 bytes);</li>
 *   <li>{@code D} + 8-byte length + 8-byte seed: the server sends that many bytes of {@link #pattern} data;</li>
 *   <li>{@code P}: echo, one byte at a time, until the client closes (round-trip latency).</li>
 * </ul>
 */
public final class PortForwardLoadServer implements AutoCloseable {
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    public PortForwardLoadServer() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(this::accept, "load-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                open.add(s);
                Thread t = new Thread(() -> serve(s), "load-server-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            int command = in.read();
            switch (command) {
                case 'U' -> {
                    long length = in.readLong();
                    out.write(digest(in, length));
                    out.flush();
                }
                case 'D' -> {
                    long length = in.readLong();
                    long seed = in.readLong();
                    pattern(out, length, seed);
                    out.flush();
                }
                case 'P' -> {
                    int b;
                    while ((b = in.read()) >= 0) {
                        out.write(b);
                        out.flush();
                    }
                }
                default -> { }
            }
            // wait for the client to close, so that nothing is cut short by our close
            while (in.read() >= 0) {
                // discard
            }
        } catch (IOException e) {
            // client went away
        } finally {
            open.remove(s);
        }
    }

    private static final int BLOCK = 1 << 20;

    /** Reads exactly {@code length} bytes and returns their checksum (CRC32C and length, 16 bytes). */
    public static byte[] digest(InputStream in, long length) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[256 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("stream ended " + left + " bytes early (after " + (length - left) + ")");
            }
            crc.update(buf, 0, n);
            left -= n;
        }
        return ByteBuffer.allocate(16).putLong(crc.getValue()).putLong(length).array();
    }

    /**
     * Writes {@code length} bytes of pseudo-random data from {@code seed} (a random 1 MiB block, each copy stamped
     * with its index, so that lost, repeated or reordered pieces change the checksum); returns their checksum.
     * Cheap to make and to check, so that a benchmark measures the transport, not the checksum.
     */
    public static byte[] pattern(OutputStream out, long length, long seed) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] block = new byte[BLOCK];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < block.length; i += 8) {
            long v = random.nextLong();
            for (int j = 0; j < 8; j++) {
                block[i + j] = (byte) (v >>> (8 * j));
            }
        }
        long left = length;
        for (long index = 0; left > 0; index++) {
            ByteBuffer.wrap(block).putLong(index);
            int n = (int) Math.min(block.length, left);
            if (out != null) {
                out.write(block, 0, n);
            }
            crc.update(block, 0, n);
            left -= n;
        }
        return ByteBuffer.allocate(16).putLong(crc.getValue()).putLong(length).array();
    }

    /** Connections currently being served. */
    public int openConnections() {
        return open.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
