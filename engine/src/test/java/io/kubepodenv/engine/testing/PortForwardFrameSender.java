package io.kubepodenv.engine.testing;

import io.fabric8.mockwebserver.http.WebSocket;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends frames from a mock-server websocket with backpressure, as a real API server would (it stops reading the pod
 * when the client does not keep up). The mock's own {@code WebSocket.send} queues without limit, so we reach the
 * Vert.x socket underneath and keep at most {@link #WINDOW} writes outstanding.
 */
final class PortForwardFrameSender {
    static final int WINDOW = 8;
    private static final long WRITE_TIMEOUT_SECONDS = 120;

    private final WebSocket mock;
    private final ServerWebSocket vertx;
    private final Deque<Future<Void>> pending = new ArrayDeque<>();

    PortForwardFrameSender(WebSocket mock) {
        this.mock = mock;
        this.vertx = underlying(mock);
    }

    /** Sends one binary frame, waiting while {@link #WINDOW} frames are still being written. */
    void send(byte[] frame) throws IOException {
        if (vertx == null) {
            if (!mock.send(frame)) {
                throw new IOException("websocket refused a frame");
            }
            return;
        }
        while (pending.size() >= WINDOW) {
            Future<Void> oldest = pending.removeFirst();
            try {
                oldest.toCompletionStage().toCompletableFuture().get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while sending", e);
            } catch (ExecutionException e) {
                throw new IOException("websocket write failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IOException("websocket write did not complete within " + WRITE_TIMEOUT_SECONDS + " s");
            }
        }
        pending.addLast(vertx.writeBinaryMessage(Buffer.buffer(frame)));
    }

    private static ServerWebSocket underlying(WebSocket mock) {
        try {
            Field field = mock.getClass().getDeclaredField("webSocket");
            field.setAccessible(true);
            Object value = field.get(mock);
            return value instanceof ServerWebSocket s ? s : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Closes the websocket without a close handshake from our side being awaited. */
    void abort() {
        if (vertx != null) {
            vertx.close((short) 1011, "connection killed by the test");
        } else {
            mock.close(1011, "connection killed by the test");
        }
    }
}
