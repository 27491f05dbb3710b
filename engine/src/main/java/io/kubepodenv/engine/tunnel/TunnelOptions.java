package io.kubepodenv.engine.tunnel;

import io.kubepodenv.engine.ProgressListener;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link DockerTunnel} listens and how long it waits.
 *
 * @param bindAddress       local address to listen on; loopback by default, never the wildcard unless asked for
 * @param port              local port, 0 for one the operating system chooses
 * @param remotePort        the pod's Docker port
 * @param connectTimeout    bound on opening one port-forward websocket or session (handshake included)
 * @param pingTimeout       bound on the {@code GET /_ping} check that {@link DockerTunnel#open} makes, retries included
 * @param clientEofGrace    after the local client stops sending (half-close), how long the server may stay silent
 *                          before the connection is closed: the port-forward protocol cannot carry a half-close
 * @param sendStallTimeout  how long an upload may wait for the websocket to accept the next frame before the
 *                          connection is failed; on a SPDY session, also how long a client that reads nothing may
 *                          hold up the session's other connections (20 s at most) before its connection is reset
 * @param maxFramePayload   bytes of data per websocket frame (plus one channel byte, or a SPDY frame header of 8);
 *                          see {@link #DEFAULT_FRAME_PAYLOAD}
 * @param warm              whether to keep the tunnel ready for its next connections: its SPDY session kept open
 *                          for a minute after its last connection (where the API server offers none, one
 *                          port-forward opened ahead of time), and, for tunnels opened by
 *                          {@link EnvironmentTunnels}, a watch on the pod instead of a lookup per connection; on by
 *                          default, off for a tunnel that serves one check and closes
 * @param keepAliveInterval how long a port-forward may receive nothing before the tunnel sends a websocket ping on it
 *                          (when no upload is under way), so that load balancers and proxies in front of the API
 *                          server, which drop connections idle for minutes, see traffic; also the longest a spare
 *                          port-forward waits unused
 * @param listener          where connection failures are reported (they also go to the client as a Docker error)
 */
public record TunnelOptions(
        InetAddress bindAddress,
        int port,
        int remotePort,
        Duration connectTimeout,
        Duration pingTimeout,
        Duration clientEofGrace,
        Duration sendStallTimeout,
        int maxFramePayload,
        boolean warm,
        Duration keepAliveInterval,
        ProgressListener listener) {

    /** Docker's plain-TCP port, what docker:dind listens on without TLS. */
    public static final int DOCKER_PORT = 2375;

    /**
     * Data payload per frame we send by default: 64 KiB frames in all, one byte of which is the channel. Kubernetes
     * itself (the kubelet's golang.org/x/net/websocket reader; the API server passes {@code v4.channel.k8s.io}
     * port-forwards through) accepts messages up to 32 MiB, but proxies in front of API servers may not, and the
     * fabric8 mock server (Vert.x) closes the websocket on frames over 64 KiB. 64 KiB is the bound known to be
     * safe, and big enough that per-frame costs stay small.
     */
    public static final int DEFAULT_FRAME_PAYLOAD = 65536 - 1;

    /** The largest payload per frame that may be set: half of the kubelet's 32 MiB message limit. */
    public static final int LARGEST_FRAME_PAYLOAD = (16 << 20) - 1;

    public TunnelOptions {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(pingTimeout, "pingTimeout");
        Objects.requireNonNull(clientEofGrace, "clientEofGrace");
        Objects.requireNonNull(sendStallTimeout, "sendStallTimeout");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        Objects.requireNonNull(listener, "listener");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, not " + port);
        }
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("remotePort must be 1..65535, not " + remotePort);
        }
        if (maxFramePayload < 1 || maxFramePayload > LARGEST_FRAME_PAYLOAD) {
            throw new IllegalArgumentException("maxFramePayload must be 1.." + LARGEST_FRAME_PAYLOAD + ", not "
                    + maxFramePayload);
        }
        requirePositive("connectTimeout", connectTimeout);
        requirePositive("pingTimeout", pingTimeout);
        requirePositive("clientEofGrace", clientEofGrace);
        requirePositive("sendStallTimeout", sendStallTimeout);
        requirePositive("keepAliveInterval", keepAliveInterval);
        if (keepAliveInterval.toMillis() < 1 || keepAliveInterval.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("keepAliveInterval must be 1 ms..24 days, not " + keepAliveInterval);
        }
    }

    /** Default of {@link #keepAliveInterval}: well under the minutes after which load balancers drop idle connections. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(20);

    /**
     * Loopback, an OS-chosen port, Docker's port 2375, 10 s to connect, 60 s to answer the ping, 64 KiB frames, a keep-alive ping after 20 s without traffic. The same values wherever the engine runs: nothing here reads a system property or an
     * environment variable; a caller that lets its user choose passes the choice with the {@code with...} methods.
     */
    public static TunnelOptions defaults() {
        return new TunnelOptions(InetAddress.getLoopbackAddress(), 0, DOCKER_PORT, Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(2), Duration.ofMinutes(5), DEFAULT_FRAME_PAYLOAD,
                true, DEFAULT_KEEP_ALIVE, ProgressListener.NONE);
    }

    public TunnelOptions withPort(int newPort) {
        return new TunnelOptions(bindAddress, newPort, remotePort, connectTimeout, pingTimeout, clientEofGrace,
                sendStallTimeout, maxFramePayload, warm, keepAliveInterval, listener);
    }

    public TunnelOptions withBindAddress(InetAddress address) {
        return new TunnelOptions(address, port, remotePort, connectTimeout, pingTimeout, clientEofGrace,
                sendStallTimeout, maxFramePayload, warm, keepAliveInterval, listener);
    }

    public TunnelOptions withRemotePort(int newRemotePort) {
        return new TunnelOptions(bindAddress, port, newRemotePort, connectTimeout, pingTimeout, clientEofGrace,
                sendStallTimeout, maxFramePayload, warm, keepAliveInterval, listener);
    }

    public TunnelOptions withTimeouts(Duration connect, Duration ping) {
        return new TunnelOptions(bindAddress, port, remotePort, connect, ping, clientEofGrace, sendStallTimeout,
                maxFramePayload, warm, keepAliveInterval, listener);
    }

    public TunnelOptions withClientEofGrace(Duration grace) {
        return new TunnelOptions(bindAddress, port, remotePort, connectTimeout, pingTimeout, grace, sendStallTimeout,
                maxFramePayload, warm, keepAliveInterval, listener);
    }

    public TunnelOptions withMaxFramePayload(int payload) {
        return new TunnelOptions(bindAddress, port, remotePort, connectTimeout, pingTimeout, clientEofGrace,
                sendStallTimeout, payload, warm, keepAliveInterval, listener);
    }

    public TunnelOptions withWarm(boolean keepWarm) {
        return new TunnelOptions(bindAddress, port, remotePort, connectTimeout, pingTimeout, clientEofGrace,
                sendStallTimeout, maxFramePayload, keepWarm, keepAliveInterval, listener);
    }

    public TunnelOptions withKeepAliveInterval(Duration interval) {
        return new TunnelOptions(bindAddress, port, remotePort, connectTimeout, pingTimeout, clientEofGrace,
                sendStallTimeout, maxFramePayload, warm, interval, listener);
    }

    public TunnelOptions withListener(ProgressListener newListener) {
        return new TunnelOptions(bindAddress, port, remotePort, connectTimeout, pingTimeout, clientEofGrace,
                sendStallTimeout, maxFramePayload, warm, keepAliveInterval, newListener);
    }

    private static void requirePositive(String name, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, not " + d);
        }
    }
}
