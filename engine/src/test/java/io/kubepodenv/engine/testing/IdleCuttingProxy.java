package io.kubepodenv.engine.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback that behaves like a load balancer in front of an API server: it passes bytes both ways and
 * cuts every connection through which no byte has passed, in either direction, for {@code idleLimit}.
 */
public final class IdleCuttingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final SocketAddress target;
    private final long idleLimitNanos;
    private final AtomicInteger cuts = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    public IdleCuttingProxy(SocketAddress target, Duration idleLimit) throws IOException {
        this.target = target;
        this.idleLimitNanos = idleLimit.toNanos();
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("idle-proxy-accept", this::acceptLoop);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Connections cut for being idle so far. */
    public int cuts() {
        return cuts.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 10_000);
                sockets.add(client);
                sockets.add(upstream);
                AtomicLong lastByte = new AtomicLong(System.nanoTime());
                daemon("idle-proxy-up", () -> pump(client, upstream, lastByte));
                daemon("idle-proxy-down", () -> pump(upstream, client, lastByte));
                daemon("idle-proxy-watch", () -> watch(client, upstream, lastByte));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(Socket from, Socket to, AtomicLong lastByte) {
        byte[] buffer = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                lastByte.set(System.nanoTime());
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // cut, or one side ended
        } finally {
            close(from);
            close(to);
        }
    }

    private void watch(Socket client, Socket upstream, AtomicLong lastByte) {
        while (!client.isClosed() && !upstream.isClosed()) {
            if (System.nanoTime() - lastByte.get() >= idleLimitNanos) {
                cuts.incrementAndGet();
                close(client);
                close(upstream);
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing is all that is left
        }
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(IdleCuttingProxy::close);
    }
}
