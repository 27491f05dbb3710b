package io.kubepodenv.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the benchmark cluster's port-forwards reach (its {@code KPE_DOCKER_TCP}): answers Docker's
 * {@code GET /_ping} (so {@code up}'s Docker check passes), and serves the transfer protocol after one command byte:
 * {@code U len} read len bytes and answer their checksum (8 bytes); {@code D len seed} send len bytes of
 * {@link Payload}; {@code E} echo everything. One thread per connection; listens on loopback only.
 */
final class BenchTarget implements AutoCloseable {
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    BenchTarget(InetSocketAddress address) throws IOException {
        if (!address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the bench target listens on loopback only, not " + address);
        }
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(address, 256);
        Thread t = new Thread(this::acceptLoop, "bench-target-accept");
        t.setDaemon(true);
        t.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                open.add(s);
                Thread t = new Thread(() -> serve(s), "bench-target-conn");
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
                case 'G', 'H' -> {
                    answerPing(in, out);
                    return;
                }
                case 'U' -> {
                    long length = in.readLong();
                    out.writeLong(Payload.read(in, length));
                    out.flush();
                }
                case 'D' -> {
                    long length = in.readLong();
                    long seed = in.readLong();
                    new Payload(seed).write(out, length);
                }
                case 'E' -> echo(in, out);
                default -> {
                    return;
                }
            }
            while (in.read() >= 0) {
                // wait for the client to close first
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(s);
        }
    }

    private static void answerPing(InputStream in, OutputStream out) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nApi-Version: 1.47\r\n"
            + "Content-Length: 2\r\nConnection: close\r\n\r\nOK").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void echo(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            out.flush();
        }
    }

    /**
     * Runs a target in a process of its own (so that a benchmark can measure its own JVM without it): listens on
     * the address given as {@code host:port}, prints {@code ready} and serves until its standard input ends.
     */
    public static void main(String[] args) throws IOException {
        int colon = args[0].lastIndexOf(':');
        try (BenchTarget target = new BenchTarget(new InetSocketAddress(args[0].substring(0, colon),
            Integer.parseInt(args[0].substring(colon + 1))))) {
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the parent goes away
            }
        }
    }

    /** A target in a child process, ended on close. */
    static final class Process implements AutoCloseable {
        private final java.lang.Process process;

        Process(InetSocketAddress address) throws IOException {
            String javaCmd = ProcessHandle.current().info().command().orElse("java");
            process = new ProcessBuilder(javaCmd, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                BenchTarget.class.getName(), address.getHostString() + ":" + address.getPort())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            java.util.concurrent.CompletableFuture<String> line = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                            StandardCharsets.UTF_8)).readLine();
                    } catch (IOException e) {
                        return null;
                    }
                });
            try {
                if (!"ready".equals(line.get(30, java.util.concurrent.TimeUnit.SECONDS))) {
                    throw new IOException("the target process did not start");
                }
            } catch (Exception e) {
                close();
                throw new IOException("the target process did not start: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
