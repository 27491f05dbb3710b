package io.kubepodenv.engine.tunnel;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import io.fabric8.kubernetes.client.utils.URLUtils;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One local TCP connection carried over one Kubernetes port-forward websocket ({@code v4.channel.k8s.io}).
 *
 * <p>Wire format: the server first sends {@code [0, port lo, port hi]} and {@code [1, port lo, port hi]}; after that
 * every binary frame starts with a channel byte, 0 for data and 1 for an error text. We send {@code [0] + data}.
 *
 * <p>Backpressure, both ways, so that never more than a bounded amount of data is in flight:
 * <ul>
 *   <li>up (local to pod): one frame in flight. The next frame is read from the local socket only after the
 *       websocket's send queue is empty again, so a slow pod slows the local client through TCP, and no frame is
 *       ever dropped (a refused send is an error, never ignored).</li>
 *   <li>down (pod to local): the websocket delivers a frame only on demand, and the next frame is requested only
 *       once this one has been written to the local socket, so at most one frame waits here and a client that
 *       stops reading stops the pod's data (through the API server's TCP window).</li>
 * </ul>
 * Two named daemon threads per connection: "up" connects and then pumps local to websocket, "down" watches for the
 * end of the connection. Received frames are written on the websocket's delivery thread.
 */
final class PortForwardConnection implements WebSocket.Listener {
    /** How a refused port-forward handshake is reported (followed by the HTTP status code). */
    static final String REFUSED_BY_API = "was refused by the Kubernetes API: HTTP ";

    private static final Logger LOG = LoggerFactory.getLogger(PortForwardConnection.class);
    static final String SUBPROTOCOL = "v4.channel.k8s.io";

    private static final ByteBuffer END = ByteBuffer.allocate(0);
    private static final ByteBuffer CLIENT_EOF = ByteBuffer.allocate(0);
    private static final byte DATA = 0;
    private static final byte ERROR = 1;
    private static final Duration LINGER = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final String namespace;
    private final PodLocator locator;
    private final TunnelOptions options;
    private final SocketChannel local;
    private final String threadPrefix;
    private final Runnable onFinished;

    private final BlockingQueue<ByteBuffer> received = new LinkedBlockingQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final StringBuilder errorText = new StringBuilder();
    private volatile WebSocket webSocket;
    private volatile boolean remoteClosed;
    private volatile String remoteFailure;
    private volatile String target = "(no pod yet)";
    private volatile Thread upThread;
    private volatile Thread downThread;
    private volatile boolean answered;
    private volatile long lastDownNanos = System.nanoTime();

    private static final byte[] UPGRADE_HEADER = "\nupgrade:".getBytes(StandardCharsets.US_ASCII);
    private static final int UPGRADE_SCAN_LIMIT = 16 * 1024;
    // Only touched from the up thread.
    private int scanned;
    private int matched;
    private boolean upgradeRequested;

    // Only touched from listener callbacks, which the websocket calls one at a time.
    private int dataPrefixToSkip = 2;
    private int errorPrefixToSkip = 2;

    PortForwardConnection(KubernetesClient client, String namespace, PodLocator locator, TunnelOptions options,
            SocketChannel local, String threadPrefix, Runnable onFinished) {
        this.client = client;
        this.namespace = namespace;
        this.locator = locator;
        this.options = options;
        this.local = local;
        this.threadPrefix = threadPrefix;
        this.onFinished = onFinished;
    }

    /** Starts the connection's threads; returns at once. */
    void start() {
        Thread up = new Thread(this::runUp, threadPrefix + "-up");
        up.setDaemon(true);
        upThread = up;
        up.start();
    }

    /** Ends the connection from our side: closes the local socket and the websocket. Idempotent, non-blocking. */
    void close() {
        shutdown(null);
        Thread up = upThread;
        if (up != null) {
            up.interrupt();
        }
    }

    /** Waits (bounded) until this connection's threads have ended. */
    boolean awaitThreads(long deadlineNanos) throws InterruptedException {
        for (Thread t : new Thread[] {upThread, downThread}) {
            if (t != null) {
                long left = deadlineNanos - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(t, left);
                }
                if (t.isAlive()) {
                    return false;
                }
            }
        }
        return true;
    }

    private void runUp() {
        String pod;
        WebSocket ws;
        try {
            pod = locator.readyPod();
            target = "pod " + namespace + "/" + pod + " port " + options.remotePort();
            ws = connect(pod);
        } catch (TunnelException e) {
            failBeforeData(e.getMessage());
            return;
        } catch (InterruptedException e) {
            shutdown(null);
            return;
        } catch (RuntimeException e) {
            failBeforeData("cannot reach " + target + ": " + e);
            return;
        }
        webSocket = ws;
        if (closed.get()) {
            shutdown(null);
            return;
        }
        Thread down = new Thread(this::runDown, threadPrefix + "-down");
        down.setDaemon(true);
        downThread = down;
        down.start();
        pumpUp(ws);
    }

    private WebSocket connect(String pod) throws InterruptedException {
        String base = client.getMasterUrl().toString();
        URI uri = URI.create(URLUtils.join(base, "api", "v1", "namespaces", namespace, "pods", pod,
                "portforward?ports=" + options.remotePort()));
        long timeoutMs = options.connectTimeout().toMillis();
        try {
            return client.getHttpClient().newWebSocketBuilder()
                    .uri(uri)
                    .subprotocol(SUBPROTOCOL)
                    .connectTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                    .buildAsync(this)
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TunnelException("port-forward to " + target + " did not open within " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException handshake && handshake.getResponse() != null) {
                throw new TunnelException("port-forward to " + target + " " + REFUSED_BY_API
                        + handshake.getResponse().code() + " (check that the pod exists and that the credentials may"
                        + " create pods/portforward in namespace " + namespace + ")", cause);
            }
            throw new TunnelException("port-forward to " + target + " failed: " + describe(cause), cause);
        }
    }

    private void pumpUp(WebSocket ws) {
        ByteBuffer frame = ByteBuffer.allocate(1 + options.maxFramePayload());
        try {
            while (!closed.get()) {
                frame.clear();
                frame.put(DATA);
                int n = local.read(frame);
                if (n < 0) {
                    // The client half-closed or closed; the port-forward protocol cannot pass that on.
                    // A hijacked Docker stream (attach, exec) half-closes its input and still expects the
                    // output until the server ends it; any other connection is over once the pod goes quiet.
                    if (!upgradeRequested) {
                        received.add(CLIENT_EOF);
                    }
                    return;
                }
                if (n == 0) {
                    continue;
                }
                frame.flip();
                if (scanned < UPGRADE_SCAN_LIMIT) {
                    scanForUpgrade(frame);
                }
                WebSocketSendQueue.send(ws, frame, options.sendStallTimeout(),
                        () -> closed.get() || remoteClosed, target);
            }
        } catch (ClosedChannelException e) {
            shutdown(null);
        } catch (IOException e) {
            shutdown(closed.get() ? null : "reading from the local client failed: " + e.getMessage());
        } catch (TunnelException e) {
            shutdown(remoteFailure != null ? remoteFailure : e.getMessage());
        }
    }

    /**
     * Looks for an {@code Upgrade:} header at the start of the connection: Docker's attach and exec requests ask to
     * hijack the connection that way, and their clients half-close when their input ends.
     */
    private void scanForUpgrade(ByteBuffer frame) {
        int end = Math.min(frame.limit(), frame.position() + UPGRADE_SCAN_LIMIT - scanned);
        for (int i = frame.position(); i < end && !upgradeRequested; i++) {
            byte b = frame.get(i);
            byte lower = (byte) (b >= 'A' && b <= 'Z' ? b + 32 : b);
            matched = lower == UPGRADE_HEADER[matched] ? matched + 1 : (lower == UPGRADE_HEADER[0] ? 1 : 0);
            if (matched == UPGRADE_HEADER.length) {
                upgradeRequested = true;
            }
        }
        scanned += end - frame.position();
    }

    /**
     * Waits for the end of the connection: the websocket closing, the client closing, or (after the client
     * half-closed a plain request connection) the pod staying silent for the grace period.
     */
    private void runDown() {
        boolean clientEof = false;
        long graceNanos = options.clientEofGrace().toNanos();
        try {
            while (true) {
                ByteBuffer next = clientEof ? received.poll(graceNanos, TimeUnit.NANOSECONDS) : received.take();
                if (next == null) {
                    if (System.nanoTime() - lastDownNanos < graceNanos) {
                        continue; // data is still flowing to the client
                    }
                    LOG.debug("{}: client closed its side and the pod stayed silent; closing", threadPrefix);
                    break;
                }
                if (next == CLIENT_EOF) {
                    clientEof = true;
                    continue;
                }
                if (next == END) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String failure = remoteFailure;
        if (failure != null && !answered && !closed.get()) {
            failBeforeData(failure);
        } else {
            shutdown(failure);
        }
    }

    @Override
    public void onOpen(WebSocket ws) {
        // fabric8 has asked for the first message; each one is requested after the previous was written.
    }

    @Override
    public void onMessage(WebSocket ws, ByteBuffer bytes) {
        if (!bytes.hasRemaining()) {
            ws.request();
            return;
        }
        byte channel = bytes.get();
        if (channel == DATA) {
            int skip = Math.min(dataPrefixToSkip, bytes.remaining());
            dataPrefixToSkip -= skip;
            bytes.position(bytes.position() + skip);
            if (bytes.hasRemaining() && !closed.get()) {
                // Written here, on the websocket's delivery thread (the HTTP client's own pool), and only then is the
                // next frame requested: a client that does not read stops the pod's data at this frame.
                try {
                    while (bytes.hasRemaining()) {
                        local.write(bytes);
                    }
                    answered = true;
                    lastDownNanos = System.nanoTime();
                } catch (IOException e) {
                    LOG.debug("{}: writing to the local client failed: {}", threadPrefix, e.toString());
                    received.add(END);
                    return;
                }
            }
        } else if (channel == ERROR) {
            int skip = Math.min(errorPrefixToSkip, bytes.remaining());
            errorPrefixToSkip -= skip;
            bytes.position(bytes.position() + skip);
            if (bytes.hasRemaining()) {
                errorText.append(StandardCharsets.UTF_8.decode(bytes));
                remoteFailure = "Kubernetes reported an error forwarding to " + target + ": " + errorText;
            }
        }
        ws.request();
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
        ws.request();
    }

    @Override
    public void onClose(WebSocket ws, int code, String reason) {
        remoteClosed = true;
        received.add(END);
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        if (!closed.get() && remoteFailure == null) {
            remoteFailure = "the port-forward to " + target + " broke: " + describe(error);
        }
        remoteClosed = true;
        received.add(END);
    }

    /** Reports a failure that happened before any byte went back to the client, as a Docker API error. */
    private void failBeforeData(String message) {
        options.listener().warning("tunnel connection failed: " + message);
        try {
            ByteBuffer response = ByteBuffer.wrap(DockerErrorResponse.serviceUnavailable(message));
            while (response.hasRemaining()) {
                local.write(response);
            }
            lingeringClose();
        } catch (IOException e) {
            LOG.debug("{}: could not report the failure to the client: {}", threadPrefix, e.toString());
        }
        shutdown(null);
    }

    /**
     * Half-closes and reads what the client still sends (its request) for a moment before the socket is closed:
     * closing with unread input would reset the connection and the client could lose our error response.
     */
    private void lingeringClose() throws IOException {
        local.shutdownOutput();
        local.configureBlocking(false);
        long deadline = System.nanoTime() + LINGER.toNanos();
        try (Selector selector = Selector.open()) {
            local.register(selector, SelectionKey.OP_READ);
            ByteBuffer discard = ByteBuffer.allocate(8192);
            while (!closed.get()) {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0) {
                    return;
                }
                selector.select(leftMs);
                selector.selectedKeys().clear();
                discard.clear();
                if (local.read(discard) < 0) {
                    return;
                }
            }
        }
    }

    private void shutdown(String failure) {
        if (failure != null && !closed.get()) {
            options.listener().warning("tunnel connection to " + target + " ended: " + failure);
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            local.close();
        } catch (IOException e) {
            LOG.debug("{}: closing the local socket: {}", threadPrefix, e.toString());
        }
        WebSocket ws = webSocket;
        if (ws != null && !remoteClosed) {
            ws.sendClose(1000, "client closed");
        }
        received.add(END);
        if (finished.compareAndSet(false, true)) {
            onFinished.run();
        }
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
