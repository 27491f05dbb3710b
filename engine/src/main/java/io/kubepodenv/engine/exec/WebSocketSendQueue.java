package io.kubepodenv.engine.exec;

import io.kubepodenv.engine.tunnel.TunnelException;

import io.fabric8.kubernetes.client.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Sending on a fabric8 {@link WebSocket} with at most one frame in flight, which is all the JDK client allows and
 * what gives end-to-end backpressure: the next frame is only taken from its source once the previous one has left.
 * Used by exec's stdin. Internal to the engine.
 */
public final class WebSocketSendQueue {
    private static final int SPINS_BEFORE_PARK = 100;
    private static final int YIELDS_BEFORE_PARK = 2000;
    private static final long PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(20);

    private WebSocketSendQueue() {
    }

    /**
     * Sends one frame once the previous one has left, never dropping it.
     *
     * @param stalled how long the socket may accept nothing before this fails
     * @param aborted checked while waiting; true ends the wait with an exception
     * @throws TunnelException if the websocket is closed, stays full for {@code stalled}, or {@code aborted}
     */
    public static void send(WebSocket ws, ByteBuffer frame, Duration stalled, BooleanSupplier aborted, String what) {
        awaitEmpty(ws, stalled, aborted, what);
        if (ws.send(frame)) {
            return;
        }
        // The JDK client refuses a send while one is outstanding; wait once more, then it means closed.
        awaitEmpty(ws, stalled, aborted, what);
        frame.rewind();
        if (!ws.send(frame)) {
            throw new TunnelException("the websocket to " + what + " is closed");
        }
    }

    /**
     * fabric8's WebSocket reports how much is queued but not when a send completes, so we wait for the queue to
     * drain: briefly spinning and yielding (a frame usually leaves within microseconds), then parking in short steps,
     * bounded by
     * {@code stalled} and ended early by {@code aborted}.
     */
    public static void awaitEmpty(WebSocket ws, Duration stalled, BooleanSupplier aborted, String what) {
        if (ws.queueSize() == 0) {
            return;
        }
        long start = System.nanoTime();
        long stallNanos = stalled.toNanos();
        int spins = 0;
        while (ws.queueSize() > 0) {
            if (aborted.getAsBoolean()) {
                throw new TunnelException("the connection to " + what + " was closed");
            }
            if (spins < SPINS_BEFORE_PARK) {
                spins++;
                Thread.onSpinWait();
            } else if (spins < SPINS_BEFORE_PARK + YIELDS_BEFORE_PARK) {
                // parkNanos sleeps at least the timer slack (~50 us on Linux), longer than a frame takes to leave
                spins++;
                Thread.yield();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
                if (System.nanoTime() - start > stallNanos) {
                    throw new TunnelException("the websocket to " + what + " accepted no data for "
                            + stalled.toSeconds() + " s; giving up on this connection");
                }
            }
        }
    }
}
