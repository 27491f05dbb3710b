package io.kubepodenv.engine.exec;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.kubepodenv.engine.tunnel.TunnelException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A running command in a pod. Output is written to the given streams as it arrives (a slow stream slows the
 * command down: the next frame is requested only after the previous one was written); stdin, if any, is copied by a
 * named daemon thread with one frame in flight. The exit code comes from the final status on channel 3.
 */
public final class ExecSession implements AutoCloseable {
    private static final int MAX_FRAME_PAYLOAD = 32 * 1024;
    private static final Duration SEND_STALL = Duration.ofMinutes(5);

    private final String what;
    private final Function<String, Status> statusParser;
    private final OutputStream stdout;
    private final OutputStream stderr;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile WebSocket webSocket;
    private volatile Thread stdinThread;

    ExecSession(String what, Function<String, Status> statusParser, OutputStream stdout, OutputStream stderr) {
        this.what = what;
        this.statusParser = statusParser;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder status = new StringBuilder();

            @Override
            public void onMessage(WebSocket ws, ByteBuffer bytes) {
                if (bytes.hasRemaining()) {
                    byte channel = bytes.get();
                    try {
                        switch (channel) {
                            case 1 -> write(stdout, bytes);
                            case 2 -> write(stderr, bytes);
                            case 3 -> status.append(StandardCharsets.UTF_8.decode(bytes));
                            default -> { }
                        }
                    } catch (IOException e) {
                        exit.completeExceptionally(new ExecException("writing the output of " + what
                                + " failed: " + e.getMessage(), e));
                        close();
                        return;
                    }
                }
                ws.request();
            }

            @Override
            public void onClose(WebSocket ws, int code, String reason) {
                finish(status.toString());
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                if (!closed.get()) {
                    exit.completeExceptionally(new ExecException("the connection running " + what + " broke: "
                            + error, error));
                }
                exit.complete(-1);
            }
        };
    }

    void attach(WebSocket ws, InputStream stdin, String threadName) {
        this.webSocket = ws;
        if (stdin != null) {
            Thread t = new Thread(() -> copyStdin(ws, stdin), threadName);
            t.setDaemon(true);
            stdinThread = t;
            t.start();
        }
    }

    private static void write(OutputStream out, ByteBuffer bytes) throws IOException {
        if (out != null && bytes.hasRemaining()) {
            out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
            out.flush();
        }
    }

    private void finish(String statusJson) {
        if (statusJson.isBlank()) {
            exit.completeExceptionally(new ExecException(what + " ended without an exit status (the connection"
                    + " was closed before the command finished)"));
            return;
        }
        Status status;
        try {
            status = statusParser.apply(statusJson);
        } catch (RuntimeException e) {
            exit.completeExceptionally(new ExecException(what + " ended with an unreadable status: " + statusJson));
            return;
        }
        if ("Success".equals(status.getStatus())) {
            exit.complete(0);
            return;
        }
        if ("NonZeroExitCode".equals(status.getReason()) && status.getDetails() != null
                && status.getDetails().getCauses() != null) {
            for (StatusCause cause : status.getDetails().getCauses()) {
                if ("ExitCode".equals(cause.getReason())) {
                    try {
                        exit.complete(Integer.parseInt(cause.getMessage().trim()));
                        return;
                    } catch (NumberFormatException e) {
                        break;
                    }
                }
            }
        }
        exit.completeExceptionally(new ExecException(what + " failed: " + status.getMessage()));
    }

    private void copyStdin(WebSocket ws, InputStream in) {
        byte[] buf = new byte[1 + MAX_FRAME_PAYLOAD];
        try {
            int n;
            while (!closed.get() && (n = in.read(buf, 1, MAX_FRAME_PAYLOAD)) >= 0) {
                if (n > 0) {
                    buf[0] = 0;
                    WebSocketSendQueue.send(ws, ByteBuffer.wrap(buf, 0, n + 1), SEND_STALL,
                            () -> closed.get() || exit.isDone(), what);
                }
            }
        } catch (IOException | TunnelException e) {
            // the command ended or the input broke; the exit status tells the rest
        }
    }

    /** Sends a terminal size (channel 4), for sessions with a TTY. */
    public void resize(int columns, int rows) {
        WebSocket ws = webSocket;
        if (ws != null && !closed.get()) {
            byte[] json = ("{\"Width\":" + columns + ",\"Height\":" + rows + "}").getBytes(StandardCharsets.UTF_8);
            ByteBuffer frame = ByteBuffer.allocate(json.length + 1).put((byte) 4).put(json);
            frame.flip();
            WebSocketSendQueue.send(ws, frame, SEND_STALL, closed::get, what);
        }
    }

    /**
     * Waits for the command to end.
     *
     * @return its exit code
     * @throws ExecException if it could not finish (timeout, broken connection, refused)
     */
    public int awaitExit(Duration timeout) {
        try {
            return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            close();
            throw new ExecException(what + " did not finish within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ExecException ex) {
                throw ex;
            }
            throw new ExecException(what + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ExecException("interrupted while waiting for " + what);
        }
    }

    /** Ends the session (closes the websocket; the command may go on in the pod). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        WebSocket ws = webSocket;
        if (ws != null) {
            ws.sendClose(1000, "closed");
        }
        Thread t = stdinThread;
        if (t != null) {
            t.interrupt();
        }
    }
}
