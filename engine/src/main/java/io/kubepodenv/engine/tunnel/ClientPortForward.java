package io.kubepodenv.engine.tunnel;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import io.fabric8.kubernetes.client.utils.URLUtils;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Port-forwards on the Kubernetes client's own websocket (its HTTP client, proxy and interceptors included). Used
 * when a connection of our own cannot be made the way the client makes its own (an HTTP proxy), or when asked for
 * ({@link TunnelOptions.Transport#CLIENT_WEBSOCKET}).
 *
 * <p>One frame in flight up ({@link WebSocketSendQueue}); down, the next message is requested only after the previous
 * one was handed on, so a client that does not read stops the pod's data.
 */
final class ClientPortForward implements PortForwardTransport {
    private final KubernetesClient client;
    private final String namespace;
    private final TunnelOptions options;

    ClientPortForward(KubernetesClient client, String namespace, TunnelOptions options) {
        this.client = client;
        this.namespace = namespace;
        this.options = options;
    }

    @Override
    public String describe() {
        return "the Kubernetes client's websocket";
    }

    @Override
    public PortForwardStream open(String pod, int port, String target) throws InterruptedException {
        URI uri = URI.create(URLUtils.join(client.getMasterUrl().toString(), "api", "v1", "namespaces", namespace,
                "pods", pod, "portforward?ports=" + port));
        long timeoutMs = options.connectTimeout().toMillis();
        Stream stream = new Stream(target, options);
        try {
            stream.ws = client.getHttpClient().newWebSocketBuilder()
                    .uri(uri)
                    .subprotocol(PortForwardConnection.SUBPROTOCOL)
                    .connectTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                    .buildAsync(stream)
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            return stream;
        } catch (TimeoutException e) {
            throw new TunnelException("port-forward to " + target + " did not open within " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException handshake && handshake.getResponse() != null) {
                int status = handshake.getResponse().code();
                throw new PortForwardRefusedException("port-forward to " + target
                        + " was refused by the Kubernetes API: HTTP " + status + " (check that the pod exists and that"
                        + " the credentials may create pods/portforward in namespace " + namespace + ")", status, "");
            }
            throw new TunnelException("port-forward to " + target + " failed: " + DirectPortForward.describe(cause),
                    cause);
        }
    }

    private static final class Stream implements PortForwardStream, WebSocket.Listener {
        private static final Object END = new Object();

        private final String target;
        private final TunnelOptions options;
        private final ByteBuffer frame;
        private final ByteBuffer upload;
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile WebSocket ws;
        private volatile boolean remoteClosed;
        private volatile String failure;

        Stream(String target, TunnelOptions options) {
            this.target = target;
            this.options = options;
            this.frame = ByteBuffer.allocate(1 + options.maxFramePayload());
            this.upload = frame.position(1).slice();
        }

        @Override
        public ByteBuffer uploadBuffer() {
            return upload.clear();
        }

        @Override
        public void send(ByteBuffer data) {
            frame.clear();
            frame.put(0, (byte) 0);
            frame.limit(1 + data.limit());
            WebSocketSendQueue.send(ws, frame, options.sendStallTimeout(), () -> closed.get() || remoteClosed,
                    target);
            if (failure != null && remoteClosed) {
                throw new TunnelException(failure);
            }
        }

        @Override
        public void receive(Receiver receiver) throws IOException {
            try {
                while (true) {
                    Object next = received.take();
                    if (next == END) {
                        if (failure != null && !closed.get()) {
                            throw new TunnelException(failure);
                        }
                        return;
                    }
                    ByteBuffer message = (ByteBuffer) next;
                    if (message.hasRemaining()) {
                        int channel = message.get() & 0xFF;
                        if (message.hasRemaining() && !closed.get()) {
                            receiver.data(channel, message);
                        }
                    }
                    ws.request();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            // the client has asked for the first message; each further one is requested once handed on
        }

        @Override
        public void onMessage(WebSocket webSocket, ByteBuffer bytes) {
            received.add(bytes);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            webSocket.request();
        }

        @Override
        public void onClose(WebSocket webSocket, int code, String reason) {
            remoteClosed = true;
            received.add(END);
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            if (!closed.get() && failure == null) {
                failure = "the port-forward to " + target + " broke: " + DirectPortForward.describe(error);
            }
            remoteClosed = true;
            received.add(END);
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                WebSocket socket = ws;
                if (socket != null && !remoteClosed) {
                    socket.sendClose(1000, "client closed");
                }
                received.add(END);
            }
        }
    }
}
