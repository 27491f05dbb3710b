package io.kubepodenv.engine.testing;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * The server side of Kubernetes port-forward, for the fabric8 mock server: upgrades
 * {@code .../pods/{pod}/portforward?ports=N} to a {@code v4.channel.k8s.io} websocket and bridges it to a real local
 * server (the test Docker daemon, or any TCP or unix-socket address), the way the kubelet bridges it to the pod.
 *
 * <p>Like the kubelet it announces the port on channels 0 and 1, reports a failed connect as an error text on channel
 * 1, closes the websocket when the target closes, and stops reading the target while the client is not keeping up.
 */
public final class PortForwardBridge {
    private final BiFunction<String, Integer, SocketAddress> targets;
    private final List<String> podsRequested = new CopyOnWriteArrayList<>();
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicLong bytesUp = new AtomicLong();
    private final AtomicLong bytesDown = new AtomicLong();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger maxFrameSeen = new AtomicInteger();

    /**
     * @param targets where a (pod name, port) is served; null means nothing listens there (connection refused)
     */
    public PortForwardBridge(BiFunction<String, Integer, SocketAddress> targets) {
        this.targets = targets;
    }

    MockResponse upgrade(String namespace, String pod, int port) {
        podsRequested.add(pod);
        return new MockResponse().withWebSocketUpgrade(new Session(namespace, pod, port, ids.incrementAndGet()));
    }

    /** Pod names of every port-forward request, in order. */
    public List<String> podsRequested() {
        return List.copyOf(podsRequested);
    }

    /** Data bytes received from clients (towards the target). */
    public long bytesUp() {
        return bytesUp.get();
    }

    /** Data bytes sent to clients (from the target). */
    public long bytesDown() {
        return bytesDown.get();
    }

    /** Largest frame (channel byte included) a client has sent. */
    public int maxFrameSeen() {
        return maxFrameSeen.get();
    }

    /** Port-forward websockets currently open. */
    public int openSessions() {
        return sessions.size();
    }

    /** Breaks every open port-forward: the target connection is reset and the websocket closed with an error. */
    public void killAll() {
        sessions.forEach(Session::kill);
    }

    private final class Session extends WebSocketListener {
        private final String namespace;
        private final String pod;
        private final int port;
        private final int id;
        private volatile SocketChannel target;
        private volatile PortForwardFrameSender sender;

        Session(String namespace, String pod, int port, int id) {
            this.namespace = namespace;
            this.pod = pod;
            this.port = port;
            this.id = id;
        }

        @Override
        public void onOpen(WebSocket ws, Response response) {
            sessions.add(this);
            sender = new PortForwardFrameSender(ws);
            byte[] portBytes = {(byte) (port & 0xff), (byte) ((port >> 8) & 0xff)};
            try {
                sender.send(new byte[] {0, portBytes[0], portBytes[1]});
                sender.send(new byte[] {1, portBytes[0], portBytes[1]});
                SocketAddress address = targets.apply(pod, port);
                if (address == null) {
                    throw new IOException("connection refused");
                }
                SocketChannel channel = address instanceof UnixDomainSocketAddress
                        ? SocketChannel.open(StandardProtocolFamily.UNIX)
                        : SocketChannel.open();
                channel.connect(address);
                target = channel;
            } catch (IOException e) {
                String message = "error forwarding port " + port + " to pod " + pod + " in namespace " + namespace
                        + ": failed to connect to localhost:" + port + ": " + e.getMessage();
                byte[] text = message.getBytes(StandardCharsets.UTF_8);
                try {
                    sender.send(frame((byte) 1, text, text.length));
                } catch (IOException ignored) {
                    // the client is gone already
                }
                ws.close(1000, "");
                sessions.remove(this);
                return;
            }
            Thread pump = new Thread(() -> pumpDown(ws), "bridge-pf-" + id + "-" + pod);
            pump.setDaemon(true);
            pump.start();
        }

        private void pumpDown(WebSocket ws) {
            ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
            try {
                int n;
                while ((n = target.read(buf)) >= 0) {
                    if (n > 0) {
                        sender.send(frame((byte) 0, buf.array(), n));
                        bytesDown.addAndGet(n);
                    }
                    buf.clear();
                }
            } catch (IOException e) {
                // target or websocket closed
            }
            closeTarget();
            ws.close(1000, "");
            sessions.remove(this);
        }

        @Override
        public void onMessage(WebSocket ws, byte[] bytes) {
            if (bytes.length > maxFrameSeen.get()) {
                maxFrameSeen.accumulateAndGet(bytes.length, Math::max);
            }
            SocketChannel channel = target;
            if (bytes.length < 2 || bytes[0] != 0 || channel == null) {
                return;
            }
            ByteBuffer data = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
            try {
                while (data.hasRemaining()) {
                    channel.write(data); // blocks the event loop while the target is full: that is the backpressure
                }
                bytesUp.addAndGet(bytes.length - 1);
            } catch (IOException e) {
                closeTarget();
                ws.close(1000, "");
            }
        }

        @Override
        public void onClosing(WebSocket ws, int code, String reason) {
            closeTarget();
        }

        @Override
        public void onClosed(WebSocket ws, int code, String reason) {
            closeTarget();
            sessions.remove(this);
        }

        @Override
        public void onFailure(WebSocket ws, Throwable t, Response response) {
            closeTarget();
            sessions.remove(this);
        }

        void kill() {
            SocketChannel channel = target;
            if (channel != null) {
                try {
                    if (!(channel.getLocalAddress() instanceof UnixDomainSocketAddress)) {
                        channel.setOption(java.net.StandardSocketOptions.SO_LINGER, 0); // reset, not FIN
                    }
                } catch (IOException | RuntimeException ignored) {
                    // best effort
                }
            }
            closeTarget();
            PortForwardFrameSender s = sender;
            if (s != null) {
                s.abort();
            }
            sessions.remove(this);
        }

        private void closeTarget() {
            SocketChannel channel = target;
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    static byte[] frame(byte channel, byte[] data, int length) {
        byte[] frame = new byte[length + 1];
        frame[0] = channel;
        System.arraycopy(data, 0, frame, 1, length);
        return frame;
    }
}
