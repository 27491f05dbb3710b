package io.kubepodenv.engine.tunnel;

import io.kubepodenv.engine.exec.ExecException;
import io.kubepodenv.engine.sync.PodCommands;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Commands in a pod's container through the exec API ({@code pods/exec}, websocket {@code v4.channel.k8s.io}) on a
 * connection of our own to the API server, with JDK classes only: for a Jenkins agent, which gets an
 * {@link ApiServerAccess} and loads no Kubernetes client (as the tunnel does, {@link DirectPortForward}).
 *
 * <p>The v4 protocol cannot close a command's stdin: a command fed from stdin must know where its input ends.
 */
public final class DirectPodExec implements PodCommands {
    private static final int MAX_FRAME_PAYLOAD = 32 * 1024;
    private static final Pattern EXIT_CODE = Pattern.compile(
            "\"reason\"\\s*:\\s*\"ExitCode\"\\s*,\\s*\"message\"\\s*:\\s*\"(\\d+)\"");
    private static final Pattern STATUS_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final ApiServerEndpoint endpoint;
    private final String namespace;
    private final String pod;
    private final String container;
    private final Duration connectTimeout;

    /**
     * @param container the container to run in (the pod's first one for the sync); the caller knows it from the
     *                  pod's spec
     */
    public DirectPodExec(ApiServerAccess access, String namespace, String pod, String container,
            Duration connectTimeout) {
        this.endpoint = new ApiServerEndpoint(Objects.requireNonNull(access, "access"),
                ApiServerCredentials.fixed(access));
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.pod = Objects.requireNonNull(pod, "pod");
        this.container = Objects.requireNonNull(container, "container");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    }

    @Override
    public int run(List<String> command, InputStream stdin, OutputStream stdout, OutputStream stderr,
            Duration timeout) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command given");
        }
        String what = "'" + command.get(0) + "' in " + namespace + "/" + pod + " (container " + container + ")";
        long deadline = System.nanoTime() + timeout.toNanos();
        URI uri = endpoint.exec(namespace, pod, container, command, stdin != null);
        Socket[] sockets;
        try {
            sockets = endpoint.connect(connectTimeout, s -> { });
        } catch (IOException e) {
            throw new ExecException("exec of " + what + " failed: cannot reach the Kubernetes API at "
                    + endpoint.authority() + ": " + DirectPortForward.describe(e), e);
        }
        Socket socket = sockets[0];
        Socket raw = sockets[1];
        Thread feeder = null;
        try {
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            OutputStream out = socket.getOutputStream();
            out.write(DirectPortForward.upgradeRequest(endpoint, uri, key, PortForwardConnection.SUBPROTOCOL));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            DirectPortForward.Head head = DirectPortForward.readHead(in);
            if (head.status != 101) {
                String message = DirectPortForward.statusMessage(in, head);
                throw new ExecException("exec of " + what + " was refused by the Kubernetes API: HTTP " + head.status
                        + " (check that the pod exists and that the credentials may create pods/exec in namespace "
                        + namespace + ")" + (message.isEmpty() ? "" : ": " + message));
            }
            if (!DirectPortForward.expectedAccept(key).equals(head.header("sec-websocket-accept"))) {
                throw new ExecException("exec of " + what + " failed: the server's websocket handshake does not match"
                        + " the request");
            }
            Frames frames = new Frames(out);
            AtomicReference<IOException> feedFailure = new AtomicReference<>();
            if (stdin != null) {
                feeder = new Thread(() -> {
                    byte[] buf = new byte[MAX_FRAME_PAYLOAD];
                    try {
                        int n;
                        while ((n = stdin.read(buf)) >= 0) {
                            if (n > 0) {
                                frames.send(0x2, (byte) 0, buf, n);
                            }
                        }
                    } catch (IOException e) {
                        if (!socket.isClosed()) {
                            feedFailure.set(e);
                        }
                    }
                }, "kpe-direct-exec-stdin");
                feeder.setDaemon(true);
                feeder.start();
            }
            String status = receive(in, frames, socket, stdout, stderr, deadline, what, timeout);
            if (feedFailure.get() != null) {
                throw new ExecException("feeding the input of " + what + " failed: " + feedFailure.get().getMessage(),
                        feedFailure.get());
            }
            return exitCode(status, what);
        } catch (SocketTimeoutException e) {
            throw new ExecException("exec of " + what + " did not end within " + timeout.toSeconds() + " s");
        } catch (IOException e) {
            throw new ExecException("exec of " + what + " failed: " + DirectPortForward.describe(e), e);
        } finally {
            DirectPortForward.closeQuietly(raw);
            if (feeder != null) {
                feeder.interrupt();
            }
        }
    }

    /** Reads frames until the server closes; output goes to the streams; returns the status (channel 3). */
    private static String receive(InputStream in, Frames frames, Socket socket, OutputStream stdout,
            OutputStream stderr, long deadline, String what, Duration timeout) throws IOException {
        ByteArrayOutputStream status = new ByteArrayOutputStream();
        int channel = -1;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException();
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            int b0 = in.read();
            if (b0 < 0) {
                return status.toString(StandardCharsets.UTF_8);
            }
            int b1 = read(in);
            int opcode = b0 & 0x0f;
            long length = b1 & 0x7f;
            if (length == 126) {
                length = (read(in) << 8) | read(in);
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | read(in);
                }
            }
            byte[] mask = null;
            if ((b1 & 0x80) != 0) {
                mask = in.readNBytes(4);
            }
            if (length > Integer.MAX_VALUE) {
                throw new IOException("a websocket frame of " + length + " bytes");
            }
            byte[] payload = in.readNBytes((int) length);
            if (payload.length < length) {
                throw new EOFException("the connection ended inside a websocket frame");
            }
            if (mask != null) {
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i & 3];
                }
            }
            switch (opcode) {
                case 0x8 -> {
                    frames.close();
                    return status.toString(StandardCharsets.UTF_8);
                }
                case 0x9 -> frames.send(0xA, (byte) -1, payload, payload.length);
                case 0xA -> { }
                case 0x0, 0x1, 0x2 -> {
                    int offset = 0;
                    if (opcode != 0x0) {
                        if (payload.length == 0) {
                            continue;
                        }
                        channel = payload[0];
                        offset = 1;
                    }
                    int n = payload.length - offset;
                    if (n > 0) {
                        switch (channel) {
                            case 1 -> stdout.write(payload, offset, n);
                            case 2 -> stderr.write(payload, offset, n);
                            case 3 -> status.write(payload, offset, n);
                            default -> { }
                        }
                    }
                }
                default -> throw new IOException("unexpected websocket opcode " + opcode + " from the API server");
            }
        }
    }

    private static int exitCode(String status, String what) {
        if (status.isEmpty()) {
            throw new ExecException("exec of " + what + " ended without an exit status (the connection was cut)");
        }
        if (status.contains("\"Success\"")) {
            return 0;
        }
        Matcher code = EXIT_CODE.matcher(status);
        if (code.find()) {
            return Integer.parseInt(code.group(1));
        }
        Matcher message = STATUS_MESSAGE.matcher(status);
        throw new ExecException("exec of " + what + " failed: " + (message.find() ? message.group(1) : status));
    }

    private static int read(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the connection ended inside a websocket frame");
        }
        return b;
    }

    /** Client frames: masked (RFC 6455), written whole under one lock (stdin and pongs share the socket). */
    private static final class Frames {
        private final OutputStream out;
        private boolean closed;

        Frames(OutputStream out) {
            this.out = out;
        }

        /** A frame of {@code opcode}; {@code channel} >= 0 is put before the data (the v4 channel byte). */
        synchronized void send(int opcode, byte channel, byte[] data, int length) throws IOException {
            if (closed) {
                return;
            }
            int payload = length + (channel >= 0 ? 1 : 0);
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payload + 14);
            frame.write(0x80 | opcode);
            if (payload < 126) {
                frame.write(0x80 | payload);
            } else if (payload <= 0xffff) {
                frame.write(0x80 | 126);
                frame.write(payload >>> 8);
                frame.write(payload & 0xff);
            } else {
                frame.write(0x80 | 127);
                for (int i = 7; i >= 0; i--) {
                    frame.write((int) (((long) payload >>> (8 * i)) & 0xff));
                }
            }
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            frame.write(mask, 0, 4);
            int i = 0;
            if (channel >= 0) {
                frame.write(channel ^ mask[0]);
                i = 1;
            }
            for (int j = 0; j < length; j++, i++) {
                frame.write(data[j] ^ mask[i & 3]);
            }
            out.write(frame.toByteArray());
            out.flush();
        }

        synchronized void close() {
            if (!closed) {
                try {
                    send(0x8, (byte) -1, new byte[0], 0);
                } catch (IOException ignored) {
                    // the server closes anyway
                }
                closed = true;
            }
        }
    }
}
