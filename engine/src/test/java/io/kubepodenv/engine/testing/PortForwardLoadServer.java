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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP server that stands in for a pod's port in transfer tests and benchmarks. Each connection sends one
 * command byte:
 * <ul>
 *   <li>{@code U} + 8-byte length: the server reads that many bytes and answers their SHA-256 (32 bytes);</li>
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

    /** Reads exactly {@code length} bytes and returns their SHA-256. */
    public static byte[] digest(InputStream in, long length) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[256 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("stream ended " + left + " bytes early (after " + (length - left) + ")");
            }
            sha.update(buf, 0, n);
            left -= n;
        }
        return sha.digest();
    }

    /** Writes {@code length} pseudo-random bytes from {@code seed}; returns their SHA-256. */
    public static byte[] pattern(OutputStream out, long length, long seed) throws IOException {
        MessageDigest sha = sha256();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] buf = new byte[256 * 1024];
        long left = length;
        while (left > 0) {
            for (int i = 0; i < buf.length; i += 8) {
                long v = random.nextLong();
                for (int j = 0; j < 8; j++) {
                    buf[i + j] = (byte) (v >>> (8 * j));
                }
            }
            int n = (int) Math.min(buf.length, left);
            if (out != null) {
                out.write(buf, 0, n);
            }
            sha.update(buf, 0, n);
            left -= n;
        }
        return sha.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
