package io.kubepodenv.engine.tunnel;

import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the port-forwards of one tunnel's connections. Where the API server tunnels SPDY through websockets
 * (Kubernetes 1.31 and later, as {@code kubectl port-forward} uses it), every connection is a stream pair on one
 * {@link SpdySession} per pod, opened by the first connection and kept while connections come. Where it does not, each
 * connection has a {@code v4.channel.k8s.io} websocket of its own, and a {@link SparePortForward} opened ahead of
 * time spares the next one the wait; the first upgrade tells which, and the tunnel keeps to it.
 *
 * <p>A session for a pod that is no longer the one the locator names takes no new streams and closes when its last
 * one ends. A session without streams is closed after {@link SparePortForward#MAX_AGE} when the tunnel is kept warm,
 * at once otherwise, so an idle tunnel holds no connection for long.
 */
final class PortForwards {
    private static final Logger LOG = LoggerFactory.getLogger(PortForwards.class);

    private final DirectPortForward transport;
    private final SparePortForward spares;
    private final TunnelOptions options;
    private final String namespace;
    private final String threadPrefix;
    private final java.util.concurrent.atomic.AtomicInteger sessions = new java.util.concurrent.atomic.AtomicInteger();
    private final ReentrantLock sessionLock = new ReentrantLock();
    private volatile SpdySession session;
    private volatile boolean channelsOnly;
    private volatile boolean closed;

    PortForwards(DirectPortForward transport, String namespace, TunnelOptions options, String threadPrefix) {
        this.transport = transport;
        this.namespace = namespace;
        this.options = options;
        this.threadPrefix = threadPrefix;
        this.spares = options.warm() ? new SparePortForward(transport, namespace, options, threadPrefix + "-spare")
                : null;
    }

    /**
     * A port-forward to the options' remote port of {@code pod}, for one local connection.
     *
     * @throws PortForwardRefusedException when the API server refuses it
     * @throws TunnelException             when it cannot be opened
     */
    PortForwardStream open(String pod) throws InterruptedException {
        String target = "pod " + namespace + "/" + pod + " port " + options.remotePort();
        if (!channelsOnly) {
            PortForwardStream stream = openOnSession(pod, target);
            if (stream != null) {
                return stream;
            }
        }
        DirectStream spare = spares == null ? null : spares.take(pod);
        return spare != null ? spare : transport.open(pod, options.remotePort(), target);
    }

    /** A stream on the pod's session, opened if need be; null when the API server has no sessions to offer. */
    private PortForwardStream openOnSession(String pod, String target) throws InterruptedException {
        sessionLock.lockInterruptibly();
        try {
            if (closed) {
                throw new TunnelException("the tunnel to " + target + " is closed");
            }
            SpdySession current = session;
            if (current != null && current.pod().equals(pod) && current.acceptsStreams()) {
                try {
                    return current.open();
                } catch (TunnelException e) {
                    LOG.debug("session to {} ended; opening another: {}", pod, e.getMessage());
                }
            }
            DirectStream socket = transport.openSessionOrStream(pod, options.remotePort(), target);
            if (socket.channelled()) {
                channelsOnly = true;
                LOG.debug("{} offers no SPDY sessions; one websocket per connection", transport.describe());
                if (spares != null) {
                    spares.refill(pod);
                }
                return socket;
            }
            SpdySession fresh = SpdySession.start(socket, pod, options.remotePort(), target, options,
                    threadPrefix + "-session" + sessions.incrementAndGet());
            session = fresh;
            if (current != null) {
                current.retire();
            }
            if (closed) {
                fresh.close();
                throw new TunnelException("the tunnel to " + target + " is closed");
            }
            return fresh.open();
        } finally {
            sessionLock.unlock();
        }
    }

    /** Whether connections share a SPDY session (known once the first one was opened). */
    String mode() {
        SpdySession s = session;
        return channelsOnly ? "one websocket per connection" : s != null ? "streams on one SPDY session" : "unknown yet";
    }

    /** Housekeeping, now and then: stuck sessions fail, idle ones close, an old spare goes. */
    void tick(long nowNanos) {
        SpdySession s = session;
        if (s != null) {
            s.checkStall(nowNanos, options.sendStallTimeout().toNanos());
            long keep = options.warm() ? SparePortForward.MAX_AGE.toNanos() : 0;
            if (s.idleFor(keep, nowNanos)) {
                s.close();
            }
        }
        if (spares != null) {
            spares.expire(nowNanos);
        }
    }

    /** For a connection that ended: a session without streams closes at once unless the tunnel is kept warm. */
    void connectionEnded() {
        SpdySession s = session;
        if (s != null && !options.warm() && s.openStreams() == 0) {
            s.close();
        }
    }

    /**
     * Closes the session and the spare and waits for their threads (until the deadline); nothing is opened after
     * this.
     *
     * @return whether every thread ended in time
     */
    boolean close(long deadlineNanos) throws InterruptedException {
        closed = true;
        boolean ended = true;
        SpdySession s = session;
        if (s != null) {
            s.close();
            ended = s.awaitThreads(deadlineNanos);
        }
        if (spares != null) {
            ended &= spares.close(deadlineNanos);
        }
        return ended;
    }
}
