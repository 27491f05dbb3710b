package io.jenkins.plugins.kubepodenv;

import io.kubepodenv.engine.tunnel.DetachedTunnels;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.KubernetesClientAccess;
import io.kubepodenv.engine.tunnel.PodAccess;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import jenkins.security.MasterToSlaveCallable;

/**
 * Docker tunnels that live in the JVM of the agent running the block's commands, so that {@code DOCKER_HOST} is the
 * agent's own loopback and no byte of Docker traffic crosses the controller. Opened and closed by callables sent over
 * the agent's channel.
 *
 * <p>Each open tunnel is held by the engine's {@link DetachedTunnels}, found by id after a controller restart too, and
 * closed by the build's {@link Close} or after {@link #MAX_LIFETIME} (a build the controller lost).
 */
final class AgentTunnels {
    /** A tunnel whose build never closed it closes itself after this. */
    static final Duration MAX_LIFETIME = Duration.ofHours(24);
    /** How long {@link Close} waits for the tunnel's thread to finish closing it. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private AgentTunnels() {
    }

    /**
     * A tunnel of a block: what is needed to open it again on the same local port. A plain class rather than a record:
     * it is kept in a paused Pipeline's program, whose serialization predates records.
     */
    static final class Spec implements Serializable {
        private static final long serialVersionUID = 1L;
        final String id;
        final String statefulSet;
        final int dockerPort;
        final boolean tls;
        /** The agent's loopback port; 0 before the tunnel is first opened. */
        final int localPort;

        Spec(String id, String statefulSet, int dockerPort, boolean tls, int localPort) {
            this.id = id;
            this.statefulSet = statefulSet;
            this.dockerPort = dockerPort;
            this.tls = tls;
            this.localPort = localPort;
        }

        Spec onPort(int port) {
            return new Spec(id, statefulSet, dockerPort, tls, port);
        }
    }

    /**
     * Opens the tunnel (on its recorded local port, if it has one) and returns the local port; returns 0 without
     * opening anything when {@code onlyIfGone} and the tunnel is still open in this JVM. With a {@link PodAccess} from
     * {@link KubernetesClientAccess#podAccess} the agent loads no Kubernetes client unless the credentials renew
     * themselves.
     */
    static final class Open extends MasterToSlaveCallable<Integer, IOException> {
        private static final long serialVersionUID = 1L;
        private final Spec spec;
        private final PodAccess access;
        private final boolean onlyIfGone;

        Open(Spec spec, PodAccess access, boolean onlyIfGone) {
            this.spec = spec;
            this.access = access;
            this.onlyIfGone = onlyIfGone;
        }

        @Override
        public Integer call() throws IOException {
            if (onlyIfGone && DetachedTunnels.isOpen(spec.id)) {
                return 0;
            }
            TunnelOptions options = TunnelOptions.defaults().withRemotePort(spec.dockerPort).withPort(spec.localPort);
            try {
                DockerTunnel tunnel = access.openTunnel(spec.statefulSet, options);
                try {
                    tunnel.awaitServer(options.pingTimeout(), spec.tls);
                } catch (RuntimeException e) {
                    tunnel.close();
                    throw e;
                }
                DetachedTunnels.hold(spec.id, () -> {
                    try {
                        tunnel.close();
                    } finally {
                        access.close();
                    }
                }, MAX_LIFETIME);
                return tunnel.port();
            } catch (RuntimeException e) {
                access.close();
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    /** Closes a tunnel; true if it was open. Closing an unknown or already closed tunnel is not an error. */
    static final class Close extends MasterToSlaveCallable<Boolean, IOException> {
        private static final long serialVersionUID = 1L;
        private final String id;

        Close(String id) {
            this.id = id;
        }

        @Override
        public Boolean call() throws IOException {
            try {
                return DetachedTunnels.close(id, CLOSE_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while closing the Docker tunnel", e);
            } catch (TimeoutException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }
}
