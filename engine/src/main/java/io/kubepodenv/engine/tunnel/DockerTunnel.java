package io.kubepodenv.engine.tunnel;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local listener that forwards every accepted connection to the Docker port of the environment's current Ready pod
 * through the Kubernetes API's port-forward: a stream each on one SPDY session per pod where the API server offers it,
 * else one websocket per connection ({@link PortForwards}).
 *
 * <p>{@link #open} returns only after {@code GET /_ping} through the tunnel has answered {@code OK}. Each new
 * connection asks the {@link PodLocator} again, so a replaced pod is followed without the caller doing anything; a
 * connection that breaks fails alone; when no pod can be reached the client gets an immediate Docker API error that
 * says why, never a hang. {@link #close()} ends the listener and every open connection and returns once their threads
 * have ended, and closes the locator.
 *
 * <p>Self-contained on purpose (a client or an {@link ApiServerAccess}, a namespace, a locator, options) so that it can
 * run wherever a build's commands run, e.g. on a Jenkins agent; opened from an {@link ApiServerAccess} it needs no
 * class outside the JDK, this package and SLF4J.
 */
public final class DockerTunnel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DockerTunnel.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private static final long HOUSEKEEPING_MS = 1000;

    private final DirectPortForward transport;
    private final PortForwards forwards;
    private final String namespace;
    private final PodLocator locator;
    private final TunnelOptions options;
    private final ServerSocketChannel server;
    private final InetSocketAddress address;
    private final String threadPrefix;
    private final Thread acceptor;
    private final Set<PortForwardConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final AtomicLong connectionIds = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    /** The last failure of a connection before it passed data, and how many there were: what a ping ran into. */
    private final java.util.concurrent.atomic.AtomicReference<TunnelException> lastFailure =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final AtomicLong failures = new AtomicLong();

    private DockerTunnel(DirectPortForward transport, String namespace, PodLocator locator, TunnelOptions options)
            throws IOException {
        this.transport = transport;
        this.namespace = namespace;
        this.locator = locator;
        this.options = options;
        this.server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(options.bindAddress(), options.port()), 64);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        this.address = (InetSocketAddress) server.getLocalAddress();
        this.threadPrefix = "kpe-tunnel-" + address.getPort();
        this.forwards = new PortForwards(transport, namespace, options, threadPrefix);
        this.acceptor = new Thread(this::acceptLoop, threadPrefix + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Opens a tunnel and waits until the Docker server answers {@code GET /_ping} through it.
     *
     * @param client    the Kubernetes client whose configuration (TLS, proxy) and interceptors (credentials, renewed
     *                  as the client renews them) the port-forwards use
     * @param namespace the namespace of the pod
     * @param locator   finds the pod to forward to, asked once per connection
     * @param options   listen address and port, timeouts; see {@link TunnelOptions#defaults()}
     * @throws TunnelException if the address cannot be bound or the ping does not answer within the ping timeout;
     *                         the message says which and includes the last error seen
     */
    public static DockerTunnel open(KubernetesClient client, String namespace, PodLocator locator,
            TunnelOptions options) {
        return pinged(openWithoutPing(client, namespace, locator, options));
    }

    /**
     * Opens a tunnel without a Kubernetes client and waits until the Docker server answers {@code GET /_ping} through
     * it: the port-forwards are opened as {@code access} describes, with its headers as they are (nothing renews
     * them). Opening it and passing connections through it loads no class outside the JDK, the engine's tunnel
     * package and SLF4J, so that it can run where a Kubernetes client would be costly to load (a Jenkins agent).
     *
     * @param access    how to reach and authenticate to the API server, e.g. {@link KubernetesClientAccess#of} of a client
     * @param namespace the namespace of the pod
     * @param locator   finds the pod to forward to, asked once per connection, e.g. {@link SingleReplicaPodLocator}
     * @param options   listen address and port, timeouts; see {@link TunnelOptions#defaults()}
     * @throws TunnelException as {@link #open(KubernetesClient, String, PodLocator, TunnelOptions)}, and when the
     *                         access's TLS material cannot be used
     */
    public static DockerTunnel open(ApiServerAccess access, String namespace, PodLocator locator,
            TunnelOptions options) {
        return pinged(openWithoutPing(access, namespace, locator, options));
    }

    /** As {@link #open(ApiServerAccess, String, PodLocator, TunnelOptions)}, without the Docker ping. */
    public static DockerTunnel openWithoutPing(ApiServerAccess access, String namespace, PodLocator locator,
            TunnelOptions options) {
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(locator, "locator");
        DirectPortForward transport;
        try {
            transport = new DirectPortForward(new ApiServerEndpoint(access, ApiServerCredentials.fixed(access)),
                    Objects.requireNonNull(namespace, "namespace"), Objects.requireNonNull(options, "options"));
        } catch (RuntimeException e) {
            locator.close();
            throw e;
        }
        return listen(transport, namespace, locator, options);
    }

    private static DockerTunnel pinged(DockerTunnel tunnel) {
        try {
            tunnel.awaitPing(tunnel.options.pingTimeout());
            return tunnel;
        } catch (RuntimeException e) {
            tunnel.close();
            throw e;
        }
    }

    /**
     * Opens the listener without the Docker ping, for forwarding a port that is not a Docker server (benchmarks,
     * other services of the pod). Connection failures still reach the client and the listener.
     */
    public static DockerTunnel openWithoutPing(KubernetesClient client, String namespace, PodLocator locator,
            TunnelOptions options) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(locator, "locator");
        Objects.requireNonNull(options, "options");
        DirectPortForward transport;
        try {
            transport = new DirectPortForward(KubernetesClientAccess.endpoint(client), namespace, options);
        } catch (RuntimeException e) {
            locator.close();
            throw e;
        }
        return listen(transport, namespace, locator, options);
    }

    private static DockerTunnel listen(DirectPortForward transport, String namespace, PodLocator locator,
            TunnelOptions options) {
        try {
            return new DockerTunnel(transport, namespace, locator, options);
        } catch (IOException e) {
            locator.close();
            throw new TunnelException("cannot listen on " + options.bindAddress().getHostAddress() + ":"
                    + options.port() + " for the tunnel: " + e.getMessage(), e);
        }
    }

    /** Same as {@link #open(KubernetesClient, String, PodLocator, TunnelOptions)} with default options. */
    public static DockerTunnel open(KubernetesClient client, String namespace, PodLocator locator) {
        return open(client, namespace, locator, TunnelOptions.defaults());
    }

    /** The local port the tunnel listens on. */
    public int port() {
        return address.getPort();
    }

    /** The local address the tunnel listens on. */
    public InetSocketAddress address() {
        return address;
    }

    /** The value for {@code DOCKER_HOST}, e.g. {@code tcp://127.0.0.1:41234}. */
    public String dockerHost() {
        InetAddress a = address.getAddress();
        String host = a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        return "tcp://" + host + ":" + address.getPort();
    }

    /** Connections currently open through the tunnel. */
    public int openConnections() {
        return connections.size();
    }

    /**
     * Websockets the tunnel has opened to the API server so far: one per pod while connections share a SPDY session,
     * one per connection (or spare) otherwise.
     */
    public long websocketsOpened() {
        return transport.opened();
    }

    /** Connections accepted since the tunnel opened (the ping included). */
    public long acceptedConnections() {
        return accepted.get();
    }

    /**
     * Where the port-forwards go and how, e.g. {@code own websocket to https://..., streams on one SPDY session}.
     */
    public String transport() {
        return transport.describe() + ", " + forwards.mode();
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Pings the Docker server through the tunnel, retrying until it answers or the timeout passes.
     *
     * @throws PortForwardRefusedException at once when the Kubernetes API refuses the port-forward (HTTP 401 or 403),
     *                                     with the status and the API server's message
     * @throws TunnelException             with the last failure when it does not answer in time
     */
    public void awaitPing(Duration timeout) {
        awaitServer(timeout, false);
    }

    /**
     * Waits until the Docker server answers through the tunnel: {@code GET /_ping} for a plain server, the start of a
     * TLS handshake for one that requires TLS ({@link TlsProbe}).
     *
     * @throws TunnelException as {@link #awaitPing(Duration)}
     */
    public void awaitServer(Duration timeout, boolean tls) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoffMs = 100;
        String lastError = "no attempt made";
        int attempts = 0;
        while (true) {
            long leftNanos = deadline - System.nanoTime();
            if (leftNanos <= 0 || closed.get()) {
                break;
            }
            attempts++;
            Duration attemptTimeout = Duration.ofNanos(Math.min(leftNanos, TimeUnit.SECONDS.toNanos(10)));
            long failuresBefore = failures.get();
            try {
                if (tls) {
                    TlsProbe.probe(address, attemptTimeout);
                } else {
                    DockerPing.ping(address, attemptTimeout);
                }
                return;
            } catch (java.net.SocketTimeoutException e) {
                // a short last attempt cut by the deadline says less than the error before it
                if (attempts == 1 || attemptTimeout.toSeconds() >= 10) {
                    lastError = "no answer within " + attemptTimeout.toMillis() + " ms";
                }
            } catch (IOException e) {
                // What the tunnel's connection ran into, as it was raised; the ping's own error only when the
                // tunnel saw nothing (then it is the Docker server's answer).
                TunnelException failure = failures.get() != failuresBefore ? lastFailure.get() : null;
                lastError = failure != null ? failure.getMessage() : e.getMessage();
                LOG.debug("ping through {} failed (attempt {}): {}", dockerHost(), attempts, lastError);
                if (failure instanceof PortForwardRefusedException refused && refused.isAuthorizationRefusal()) {
                    // The API server's authoriser decided; retrying until the timeout would only delay the answer.
                    throw new PortForwardRefusedException("the Kubernetes API refuses the port-forward to the Docker"
                            + " server of " + locator.describe() + " (namespace " + namespace + "): "
                            + refused.getMessage() + "; compare the credentials with the Role in docs/rbac.md",
                            refused.status(), refused.apiServerMessage());
                }
            }
            long waitMs = Math.min(backoffMs, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            backoffMs = Math.min(backoffMs * 2, 2000);
            try {
                if (waitMs > 0 && closedLatch.await(waitMs, TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TunnelException("interrupted while waiting for the Docker server of "
                        + locator.describe() + " to answer");
            }
        }
        if (closed.get()) {
            throw new TunnelException("the tunnel was closed while waiting for the Docker server of "
                    + locator.describe());
        }
        throw new TunnelException("the Docker server of " + locator.describe() + " (namespace " + namespace
                + ", port " + options.remotePort() + ") did not answer " + (tls ? "a TLS handshake" : "GET /_ping")
                + " through the tunnel within "
                + timeout.toSeconds() + " s (" + attempts + " attempts); last error: " + lastError);
    }

    /**
     * Accepts connections; wakes up at least once a second to fail connections whose upload has stalled (a blocking
     * write cannot time out by itself).
     */
    private void acceptLoop() {
        java.net.ServerSocket listener = server.socket();
        try {
            listener.setSoTimeout((int) HOUSEKEEPING_MS);
        } catch (IOException e) {
            LOG.debug("accept timeout: {}", e.toString());
        }
        while (!closed.get()) {
            SocketChannel socket;
            try {
                socket = listener.accept().getChannel();
            } catch (java.net.SocketTimeoutException e) {
                long now = System.nanoTime();
                connections.forEach(c -> c.checkStall(now));
                forwards.tick(now);
                continue;
            } catch (IOException e) {
                if (!closed.get()) {
                    options.listener().warning("the Docker tunnel on " + dockerHost() + " stopped accepting: "
                            + e.getMessage());
                    close();
                }
                break;
            }
            long now = System.nanoTime();
            connections.forEach(c -> c.checkStall(now));
            accepted.incrementAndGet();
            try {
                socket.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                LOG.debug("TCP_NODELAY: {}", e.toString());
            }
            long id = connectionIds.incrementAndGet();
            PortForwardConnection[] self = new PortForwardConnection[1];
            PortForwardConnection connection = new PortForwardConnection(forwards, namespace, locator, options, socket,
                    threadPrefix + "-c" + id, () -> {
                        connections.remove(self[0]);
                        forwards.connectionEnded();
                    }, this::connectionFailed);
            self[0] = connection;
            connections.add(connection);
            if (closed.get()) {
                connection.close();
                break;
            }
            connection.start();
        }
    }

    private void connectionFailed(TunnelException failure) {
        lastFailure.set(failure);
        failures.incrementAndGet();
    }

    /**
     * Stops listening, closes every open connection and waits (up to 10 s) for the tunnel's threads to end.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closedLatch.countDown();
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the listener: {}", e.toString());
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        boolean interrupted = false;
        if (Thread.currentThread() != acceptor) { // the acceptor closes the tunnel when it can no longer accept
            try {
                TimeUnit.NANOSECONDS.timedJoin(acceptor, Math.max(1, deadline - System.nanoTime()));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            if (!forwards.close(deadline)) {
                LOG.warn("the tunnel's port-forward session or spare was still open after {} s",
                        CLOSE_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        List<PortForwardConnection> open = List.copyOf(connections);
        open.forEach(PortForwardConnection::close);
        try {
            locator.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the pod locator: {}", e.toString());
        }
        for (PortForwardConnection c : open) {
            try {
                if (!c.awaitThreads(deadline)) {
                    LOG.warn("a tunnel connection's threads did not end within {} s", CLOSE_WAIT.toSeconds());
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "DockerTunnel[" + dockerHost() + " -> " + locator.describe() + ":" + options.remotePort() + "]";
    }
}
