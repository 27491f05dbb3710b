package io.kubepodenv.engine.tunnel;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One port-forward opened ahead of time, so that the next local connection starts at once instead of waiting for a
 * TCP and TLS connection and an upgrade through the API server to the kubelet (most of a new connection's cost; kubectl
 * avoids it by opening streams on one connection it already has).
 *
 * <p>The locator is still asked for every connection: the spare is used only when it was opened to the pod the locator
 * names now, is younger than {@link #MAX_AGE} and the keep-alive interval, and nothing has arrived on it since the server announced its port (an
 * error, a close or the end of the connection would have). Otherwise it is closed and the connection opens its own.
 * After each connection takes (or passes over) the spare, one new spare is opened in the background, on a thread that
 * ends when it is open. A spare nobody takes is closed once it is {@link #MAX_AGE} old and not replaced until the next
 * connection, so an idle tunnel holds at most one idle port-forward, for at most that long.
 */
final class SparePortForward {
    /** How long a spare may wait for a connection, at most; less when the keep-alive interval is shorter. */
    static final Duration MAX_AGE = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(SparePortForward.class);

    private final DirectPortForward transport;
    private final String namespace;
    private final TunnelOptions options;
    private final String threadName;
    /**
     * A spare has no reader, so nothing keeps it alive: it waits no longer than a connection in use goes without a
     * keep-alive ping, lest a proxy that drops idle connections has cut it when it is taken.
     */
    private final long maxAgeNanos;
    private final Object lock = new Object();
    private Spare spare;
    private Thread opener;
    private java.net.Socket inFlight;
    private boolean closed;

    private record Spare(String pod, DirectStream stream, long openedAtNanos) {
    }

    SparePortForward(DirectPortForward transport, String namespace, TunnelOptions options, String threadName) {
        this.transport = transport;
        this.namespace = namespace;
        this.options = options;
        this.threadName = threadName;
        this.maxAgeNanos = Math.min(MAX_AGE.toNanos(), options.keepAliveInterval().toNanos());
    }

    /**
     * The spare if it may serve a connection to {@code pod} now, else null; either way a new spare is opened in the
     * background.
     */
    DirectStream take(String pod) {
        Spare s;
        synchronized (lock) {
            s = spare;
            spare = null;
        }
        DirectStream usable = null;
        if (s != null) {
            if (s.pod.equals(pod) && System.nanoTime() - s.openedAtNanos < maxAgeNanos && s.stream.isIntact()) {
                usable = s.stream;
            } else {
                s.stream.close();
            }
        }
        refill(pod);
        return usable;
    }

    /** Opens a spare for {@code pod} in the background unless one is there or opening. */
    void refill(String pod) {
        synchronized (lock) {
            if (closed || spare != null || (opener != null && opener.isAlive())) {
                return;
            }
            Thread t = new Thread(() -> open(pod), threadName);
            t.setDaemon(true);
            opener = t;
            t.start();
        }
    }

    private void open(String pod) {
        DirectStream stream;
        try {
            stream = transport.openAnnounced(pod, options.remotePort(),
                    "pod " + namespace + "/" + pod + " port " + options.remotePort(), this::opening);
        } catch (InterruptedException e) {
            return;
        } catch (RuntimeException e) {
            // the connection that needs one will open its own and report what is wrong
            LOG.debug("no spare port-forward to {}: {}", pod, e.getMessage());
            return;
        }
        synchronized (lock) {
            inFlight = null;
            if (!closed && spare == null) {
                spare = new Spare(pod, stream, System.nanoTime());
                return;
            }
        }
        stream.close();
    }

    /** Remembers the socket of the spare being opened, so that {@link #close} can end the attempt at once. */
    private void opening(java.net.Socket socket) {
        boolean tooLate;
        synchronized (lock) {
            tooLate = closed;
            inFlight = socket;
        }
        if (tooLate) {
            DirectPortForward.closeQuietly(socket);
        }
    }

    /** The pod of the spare waiting now, or null (for tests). */
    String waitingFor() {
        synchronized (lock) {
            return spare == null ? null : spare.pod;
        }
    }

    /** Closes the spare if it is {@link #MAX_AGE} old; called now and then by the tunnel. */
    void expire(long nowNanos) {
        Spare s = null;
        synchronized (lock) {
            if (spare != null && nowNanos - spare.openedAtNanos >= maxAgeNanos) {
                s = spare;
                spare = null;
            }
        }
        if (s != null) {
            s.stream.close();
        }
    }

    /**
     * Closes the spare, ends the opening of one (closing its socket) and waits for its thread (until the deadline);
     * no spare is opened after this.
     */
    boolean close(long deadlineNanos) throws InterruptedException {
        Spare s;
        Thread t;
        java.net.Socket opening;
        synchronized (lock) {
            closed = true;
            s = spare;
            spare = null;
            t = opener;
            opening = inFlight;
        }
        if (s != null) {
            s.stream.close();
        }
        if (opening != null) {
            DirectPortForward.closeQuietly(opening);
        }
        if (t != null) {
            TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, deadlineNanos - System.nanoTime()));
            return !t.isAlive();
        }
        return true;
    }
}
