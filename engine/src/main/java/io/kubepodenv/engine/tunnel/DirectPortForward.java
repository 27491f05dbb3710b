package io.kubepodenv.engine.tunnel;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Port-forwards on connections of our own to the API server: an HTTP/1.1 upgrade to a {@code v4.channel.k8s.io}
 * websocket (RFC 6455) on a plain or TLS socket, then blocking reads and writes on two threads. Nothing sits between
 * the local socket and the API server's socket but one copy per direction (and the client-to-server mask RFC 6455
 * requires), and TCP itself is the backpressure: a write blocks while the API server does not read.
 *
 * <p>Credentials, TLS and extra headers come from the client's configuration ({@link ApiServerEndpoint}); a 401 lets
 * the client's interceptors renew the token and the handshake is tried once more.
 */
final class DirectPortForward {
    private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_RESPONSE_HEAD = 64 * 1024;
    private static final int MAX_ERROR_BODY = 4096;

    private final ApiServerEndpoint endpoint;
    private final String namespace;
    private final TunnelOptions options;
    private final java.util.concurrent.atomic.AtomicLong opened = new java.util.concurrent.atomic.AtomicLong();

    DirectPortForward(ApiServerEndpoint endpoint, String namespace, TunnelOptions options) {
        this.endpoint = endpoint;
        this.namespace = namespace;
        this.options = options;
    }

    /** Websockets opened so far (upgrades the API server accepted). */
    long opened() {
        return opened.get();
    }

    /** For logs and benchmarks: where the port-forwards go. */
    String describe() {
        return "own websocket to " + endpoint.server();
    }

    /**
     * Opens a port-forward to {@code port} of {@code pod}.
     *
     * @param target the pod and port, for messages
     * @throws PortForwardRefusedException when the API server answers the upgrade with an HTTP error
     * @throws TunnelException             when the API server cannot be reached or the upgrade fails otherwise
     */
    DirectStream open(String pod, int port, String target) throws InterruptedException {
        return open(pod, port, target, socket -> { }, false);
    }

    /**
     * Opens a websocket to {@code pod} that carries either a SPDY session, on which any number of port-forwards can
     * be opened ({@link SpdySession}; what API servers since Kubernetes 1.31 offer), or, where the API server does not
     * offer that, one {@code v4.channel.k8s.io} port-forward to {@code port}: {@link DirectStream#channelled()} says
     * which.
     *
     * @throws PortForwardRefusedException and {@link TunnelException} as {@link #open(String, int, String)}
     */
    DirectStream openSessionOrStream(String pod, int port, String target) throws InterruptedException {
        return open(pod, port, target, socket -> { }, true);
    }

    private DirectStream open(String pod, int port, String target, Consumer<Socket> created, boolean offerSpdy)
            throws InterruptedException {
        URI uri = endpoint.portForward(namespace, pod, port);
        Refusal refusal;
        try {
            return handshake(uri, target, created, offerSpdy);
        } catch (Refusal r) {
            refusal = r;
        }
        if (refusal.status == 401 && endpoint.renewCredentials(uri, 401, options.connectTimeout())) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            try {
                return handshake(uri, target, created, offerSpdy);
            } catch (Refusal r) {
                refusal = r;
            }
        }
        throw new PortForwardRefusedException(refusal.getMessage(), refusal.status, refusal.apiServerMessage);
    }

    /**
     * {@link #open}, then the server's port announcement read ({@link DirectStream#awaitAnnouncement}).
     * {@code created} gets each plain socket before it connects: closing it ends the attempt at once.
     */
    DirectStream openAnnounced(String pod, int port, String target, Consumer<Socket> created)
            throws InterruptedException {
        DirectStream stream = open(pod, port, target, created, false);
        stream.awaitAnnouncement(options.connectTimeout());
        return stream;
    }

    private DirectStream handshake(URI uri, String target, Consumer<Socket> created, boolean offerSpdy)
            throws Refusal {
        long timeoutMs = options.connectTimeout().toMillis();
        Socket[] sockets;
        try {
            sockets = endpoint.connect(options.connectTimeout(), created);
        } catch (SocketTimeoutException e) {
            throw new TunnelException("port-forward to " + target + " did not open within " + timeoutMs
                    + " ms (connecting to the Kubernetes API at " + endpoint.authority() + ")");
        } catch (IOException e) {
            throw new TunnelException("port-forward to " + target + " failed: cannot reach the Kubernetes API at "
                    + endpoint.authority() + ": " + describe(e), e);
        }
        Socket socket = sockets[0];
        Socket raw = sockets[1];
        boolean open = false;
        try {
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            OutputStream out = socket.getOutputStream();
            out.write(upgradeRequest(endpoint, uri, key, offerSpdy
                    ? SpdySession.SUBPROTOCOL + ", " + PortForwardConnection.SUBPROTOCOL
                    : PortForwardConnection.SUBPROTOCOL));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            Head head = readHead(in);
            if (head.status != 101) {
                String message = statusMessage(in, head);
                throw new Refusal(head.status, message, "port-forward to " + target
                        + " was refused by the Kubernetes API: HTTP " + head.status
                        + " (check that the pod exists and that the credentials may create pods/portforward in"
                        + " namespace " + namespace + ")" + (message.isEmpty() ? "" : ": " + message));
            }
            String accept = head.header("sec-websocket-accept");
            if (!expectedAccept(key).equals(accept)) {
                throw new TunnelException("port-forward to " + target + " failed: the server's websocket handshake"
                        + " does not match the request (Sec-WebSocket-Accept " + accept + ")");
            }
            String protocol = head.header("sec-websocket-protocol");
            boolean spdy = offerSpdy && protocol != null && SpdySession.SUBPROTOCOL.equals(protocol.trim());
            if (!spdy && protocol != null && !protocol.isBlank()
                    && !PortForwardConnection.SUBPROTOCOL.equalsIgnoreCase(protocol.trim())) {
                throw new TunnelException("port-forward to " + target + " failed: the server chose the websocket"
                        + " protocol " + protocol + ", not " + PortForwardConnection.SUBPROTOCOL
                        + (offerSpdy ? " or " + SpdySession.SUBPROTOCOL : ""));
            }
            int keepAliveMs = (int) options.keepAliveInterval().toMillis();
            socket.setSoTimeout(keepAliveMs); // a read that waits this long sends a keep-alive ping
            DirectStream stream = new DirectStream(socket, raw, in, out, options.maxFramePayload(), keepAliveMs,
                    target, !spdy);
            open = true;
            opened.incrementAndGet();
            return stream;
        } catch (SocketTimeoutException e) {
            throw new TunnelException("port-forward to " + target + " did not open within " + timeoutMs
                    + " ms (no answer to the websocket upgrade)");
        } catch (IOException e) {
            throw new TunnelException("port-forward to " + target + " failed: " + describe(e), e);
        } finally {
            if (!open) {
                closeQuietly(raw);
            }
        }
    }

    /** The HTTP/1.1 upgrade to a websocket of {@code protocols} for {@code uri}, with the endpoint's headers. */
    static byte[] upgradeRequest(ApiServerEndpoint endpoint, URI uri, String key, String protocols) {
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        StringBuilder r = new StringBuilder(512);
        r.append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(endpoint.authority()).append("\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n")
                .append("Sec-WebSocket-Protocol: ").append(protocols).append("\r\n");
        for (Map.Entry<String, List<String>> header : endpoint.headers(uri).entrySet()) {
            String name = header.getKey();
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("host") || lower.equals("connection") || lower.equals("upgrade")
                    || lower.startsWith("sec-websocket-") || lower.equals("content-length")
                    || !ApiServerAccess.isToken(name)) {
                continue;
            }
            for (String value : header.getValue()) {
                if (value != null && value.indexOf('\r') < 0 && value.indexOf('\n') < 0) {
                    r.append(name).append(": ").append(value).append("\r\n");
                }
            }
        }
        r.append("\r\n");
        return r.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Status line and headers of the response, read byte by byte so that nothing after them is consumed. */
    static Head readHead(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        Head head = null;
        int total = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the Kubernetes API closed the connection during the websocket upgrade");
            }
            if (++total > MAX_RESPONSE_HEAD) {
                throw new IOException("the answer to the websocket upgrade has a head over "
                        + MAX_RESPONSE_HEAD + " bytes");
            }
            if (b != '\n') {
                line.write(b);
                continue;
            }
            String text = line.toString(StandardCharsets.ISO_8859_1);
            line.reset();
            if (text.endsWith("\r")) {
                text = text.substring(0, text.length() - 1);
            }
            if (head == null) {
                head = new Head(parseStatus(text));
                continue;
            }
            if (text.isEmpty()) {
                return head;
            }
            int colon = text.indexOf(':');
            if (colon > 0) {
                head.headers.put(text.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        text.substring(colon + 1).trim());
            }
        }
    }

    private static int parseStatus(String statusLine) throws IOException {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP answer to the websocket upgrade: "
                    + statusLine.substring(0, Math.min(80, statusLine.length())));
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status: " + parts[1]);
        }
    }

    /** The {@code message} of the Kubernetes Status the API server sends with a refusal, if it fits. */
    static String statusMessage(InputStream in, Head head) {
        String length = head.header("content-length");
        if (length == null) {
            return "";
        }
        try {
            int n = Integer.parseInt(length.trim());
            if (n <= 0 || n > MAX_ERROR_BODY) {
                return "";
            }
            byte[] body = in.readNBytes(n);
            return JsonText.topLevelString(new String(body, StandardCharsets.UTF_8), "message").orElse("");
        } catch (IOException | NumberFormatException e) {
            return "";
        }
    }

    static String expectedAccept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }

    static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all that is left to do
        }
    }

    static final class Head {
        final int status;
        final Map<String, String> headers = new java.util.HashMap<>();

        Head(int status) {
            this.status = status;
        }

        String header(String lowerName) {
            return headers.get(lowerName);
        }
    }

    /** The API server answered the upgrade with something other than 101. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String apiServerMessage;

        Refusal(int status, String apiServerMessage, String message) {
            super(message, null, false, false);
            this.status = status;
            this.apiServerMessage = apiServerMessage;
        }
    }
}
