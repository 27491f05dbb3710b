package io.kubepodenv.engine.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One local TCP connection carried over one Kubernetes port-forward ({@link PortForwardStream}): a stream pair on the
 * pod's SPDY session, or a {@code v4.channel.k8s.io} websocket of its own where the API server offers no sessions.
 *
 * <p>{@code v4.channel.k8s.io} wire format: the server first sends {@code [0, port lo, port hi]} and
 * {@code [1, port lo, port hi]}; after that every binary message starts with a channel byte, 0 for data and 1 for an
 * error text. We send {@code [0] + data}. On SPDY the data and the error text come on two streams, without the
 * announcement.
 *
 * <p>Backpressure, both ways, so that never more than a bounded amount of data is in flight: up, the next piece is
 * read from the local socket only once the previous one has been handed to the port-forward
 * ({@link PortForwardStream#send} blocks while it accepts nothing), so a slow pod slows the local client through TCP
 * and nothing is ever dropped; down, the next piece is read from the port-forward only once the previous one has been
 * written to the local socket (on SPDY, from the stream's bounded inbox), so a client that stops reading stops the
 * pod's data.
 *
 * <p>Two named daemon threads per connection: "up" connects and then pumps local to pod, "down" pumps pod to local.
 */
final class PortForwardConnection {
    static final String SUBPROTOCOL = "v4.channel.k8s.io";

    private static final Logger LOG = LoggerFactory.getLogger(PortForwardConnection.class);
    private static final int DATA = 0;
    private static final int ERROR = 1;
    private static final Duration LINGER = Duration.ofSeconds(2);
    private static final byte[] UPGRADE_HEADER = "\nupgrade:".getBytes(StandardCharsets.US_ASCII);
    private static final int UPGRADE_SCAN_LIMIT = 16 * 1024;

    private final PortForwards forwards;
    private final String namespace;
    private final PodLocator locator;
    private final TunnelOptions options;
    private final SocketChannel local;
    private final String threadPrefix;
    private final Runnable onFinished;
    private final java.util.function.Consumer<TunnelException> onFailure;

    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean warned = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final StringBuilder errorText = new StringBuilder();
    private volatile PortForwardStream stream;
    private volatile String remoteFailure;
    private volatile String target = "(no pod yet)";
    private volatile Thread upThread;
    private volatile Thread downThread;
    private volatile boolean answered;
    private volatile long lastDownNanos = System.nanoTime();

    // Only touched from the up thread.
    private int scanned;
    private int matched;
    private boolean upgradeRequested;

    // Only touched from the down thread.
    private int dataPrefixToSkip = 2;
    private int errorPrefixToSkip = 2;

    PortForwardConnection(PortForwards forwards, String namespace, PodLocator locator, TunnelOptions options, SocketChannel local, String threadPrefix,
            Runnable onFinished, java.util.function.Consumer<TunnelException> onFailure) {
        this.forwards = forwards;
        this.namespace = namespace;
        this.locator = locator;
        this.options = options;
        this.local = local;
        this.threadPrefix = threadPrefix;
        this.onFinished = onFinished;
        this.onFailure = onFailure;
    }

    /** Starts the connection's threads; returns at once. */
    void start() {
        Thread up = new Thread(this::runUp, threadPrefix + "-up");
        up.setDaemon(true);
        upThread = up;
        up.start();
    }

    /** Ends the connection from our side: closes the local socket and the port-forward. Idempotent, non-blocking. */
    void close() {
        shutdown(null);
        Thread up = upThread;
        if (up != null) {
            up.interrupt();
        }
    }

    /**
     * Fails the connection if its port-forward is stuck: an upload waiting on it for longer than the stall timeout,
     * or, on a shared session, data for a client that reads nothing.
     */
    void checkStall(long nowNanos) {
        PortForwardStream s = stream;
        if (s != null) {
            String failure = s.checkStall(nowNanos, options.sendStallTimeout().toNanos());
            if (failure != null) {
                shutdown(failure);
            }
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
        PortForwardStream s;
        try {
            String pod = locator.readyPod();
            target = "pod " + namespace + "/" + pod + " port " + options.remotePort();
            s = forwards.open(pod);
        } catch (TunnelException e) {
            failBeforeData(e);
            return;
        } catch (InterruptedException e) {
            shutdown(null);
            return;
        } catch (RuntimeException e) {
            failBeforeData(new TunnelException("cannot reach " + target + ": " + e, e));
            return;
        }
        if (s.announcementRead()) {
            dataPrefixToSkip = 0;
            errorPrefixToSkip = 0;
        }
        stream = s;
        if (closed.get()) {
            s.close();
            return;
        }
        Thread down = new Thread(this::runDown, threadPrefix + "-down");
        down.setDaemon(true);
        downThread = down;
        down.start();
        pumpUp(s);
    }

    private void pumpUp(PortForwardStream s) {
        try {
            while (!closed.get()) {
                ByteBuffer buffer = s.uploadBuffer();
                int n = local.read(buffer);
                if (n < 0) {
                    // The client half-closed or closed. A SPDY stream passes that on; v4.channel.k8s.io cannot.
                    // A hijacked Docker stream (attach, exec) half-closes its input and still expects the
                    // output until the server ends it; any other connection is over once the pod goes quiet
                    // (not every kubelet closes the pod's side when told that the client is done).
                    s.finishSending();
                    if (!upgradeRequested) {
                        closeWhenQuiet();
                    }
                    return;
                }
                if (n == 0) {
                    continue;
                }
                buffer.flip();
                if (scanned < UPGRADE_SCAN_LIMIT) {
                    scanForUpgrade(buffer);
                }
                s.send(buffer);
            }
        } catch (ClosedChannelException e) {
            shutdown(null);
        } catch (IOException e) {
            shutdown(closed.get() ? null : "reading from the local client failed: " + e.getMessage());
        } catch (TunnelException e) {
            shutdown(remoteFailure != null ? remoteFailure : e.getMessage());
        }
    }

    /** After the client's half-close: ends the connection once the pod has sent nothing for the grace period. */
    private void closeWhenQuiet() {
        long graceNanos = options.clientEofGrace().toNanos();
        try {
            while (!closed.get()) {
                long quiet = System.nanoTime() - lastDownNanos;
                if (quiet >= graceNanos) {
                    LOG.debug("{}: client closed its side and the pod stayed silent; closing", threadPrefix);
                    shutdown(null);
                    return;
                }
                if (closedLatch.await(graceNanos - quiet, TimeUnit.NANOSECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            shutdown(null);
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

    /** Pumps what the pod sends to the local client until the port-forward ends. */
    private void runDown() {
        PortForwardStream s = stream;
        TunnelException failure = null;
        try {
            s.receive(this::onData);
        } catch (TunnelException e) {
            failure = e;
        } catch (IOException e) {
            LOG.debug("{}: writing to the local client failed: {}", threadPrefix, e.toString());
            shutdown(null);
            return;
        }
        if (remoteFailure != null) {
            failure = new TunnelException(remoteFailure);
        }
        if (failure != null && !answered && !closed.get()) {
            s.failedBeforeAnswer();
            failBeforeData(failure);
        } else {
            shutdown(failure == null ? null : failure.getMessage());
        }
    }

    private void onData(int channel, ByteBuffer bytes) throws IOException {
        if (channel == DATA) {
            int skip = Math.min(dataPrefixToSkip, bytes.remaining());
            dataPrefixToSkip -= skip;
            bytes.position(bytes.position() + skip);
            if (bytes.hasRemaining() && !closed.get()) {
                while (bytes.hasRemaining()) {
                    local.write(bytes);
                }
                answered = true;
                lastDownNanos = System.nanoTime();
            }
        } else if (channel == ERROR) {
            int skip = Math.min(errorPrefixToSkip, bytes.remaining());
            errorPrefixToSkip -= skip;
            bytes.position(bytes.position() + skip);
            if (bytes.hasRemaining() && errorText.length() < 4096) {
                errorText.append(StandardCharsets.UTF_8.decode(bytes));
                remoteFailure = "Kubernetes reported an error forwarding to " + target + ": " + errorText;
            }
        }
    }

    /**
     * Reports a failure that happened before any byte went back to the client: to the tunnel as it is (its type and
     * values), and to the client as a Docker API error, which is all a Docker client can read.
     */
    private void failBeforeData(TunnelException failure) {
        onFailure.accept(failure);
        warnOnce("tunnel connection failed: " + failure.getMessage());
        try {
            ByteBuffer response = ByteBuffer.wrap(DockerErrorResponse.serviceUnavailable(failure.getMessage()));
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

    /** One warning per connection: its two threads often see the same failure. */
    private void warnOnce(String message) {
        if (warned.compareAndSet(false, true)) {
            options.listener().warning(message);
        }
    }

    private void shutdown(String failure) {
        if (failure != null && !closed.get()) {
            warnOnce("tunnel connection to " + target + " ended: " + failure);
        }
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            local.close();
        } catch (IOException e) {
            LOG.debug("{}: closing the local socket: {}", threadPrefix, e.toString());
        }
        PortForwardStream s = stream;
        if (s != null) {
            s.close();
        }
        closedLatch.countDown();
        if (finished.compareAndSet(false, true)) {
            onFinished.run();
        }
    }
}
