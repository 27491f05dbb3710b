package io.jenkins.plugins.kubepodenv;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import jenkins.security.MasterToSlaveCallable;

/**
 * Docker tunnels that live in the JVM of the agent running the block's commands, so that {@code DOCKER_HOST} is the
 * agent's own loopback and no byte of Docker traffic crosses the controller. Opened and closed by callables sent over
 * the agent's channel; each tunnel opens its own client from the {@link ClusterConnection} it was given.
 *
 * <p>Each open tunnel is owned by a daemon thread named after its id, which closes it when interrupted (the build's
 * {@link Close}) or after {@link #MAX_LIFETIME} (a build the controller lost). The threads are the registry: after a
 * controller restart the agent reconnects on a new channel whose class loader defines this class afresh, but the
 * threads of the JVM are still there to be found by name, and nothing of ours sits in the agent's system properties.
 */
final class AgentTunnels {
    /** A tunnel whose build never closed it closes itself after this. */
    static final Duration MAX_LIFETIME = Duration.ofHours(24);
    /** How long {@link Close} waits for the tunnel's thread to finish closing it. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    private static final String THREAD_PREFIX = "kube-pod-env tunnel ";

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
     * opening anything when {@code onlyIfGone} and the tunnel is still open in this JVM.
     */
    static final class Open extends MasterToSlaveCallable<Integer, IOException> {
        private static final long serialVersionUID = 1L;
        private final Spec spec;
        private final ClusterConnection connection;
        private final boolean onlyIfGone;

        Open(Spec spec, ClusterConnection connection, boolean onlyIfGone) {
            this.spec = spec;
            this.connection = connection;
            this.onlyIfGone = onlyIfGone;
        }

        @Override
        public Integer call() throws IOException {
            if (onlyIfGone && owner(spec.id) != null) {
                return 0;
            }
            KubernetesClient client = connection.newClient();
            DockerTunnel tunnel;
            try {
                TunnelOptions options = TunnelOptions.defaults().withRemotePort(spec.dockerPort)
                    .withPort(spec.localPort);
                tunnel = DockerTunnel.openWithoutPing(client, connection.namespace(),
                    StatefulSetPodLocator.watching(client, connection.namespace(), spec.statefulSet), options);
                try {
                    tunnel.awaitServer(options.pingTimeout(), spec.tls);
                } catch (RuntimeException e) {
                    tunnel.close();
                    throw e;
                }
            } catch (RuntimeException e) {
                client.close();
                throw new IOException(connection.masker().describe(e));
            }
            Thread owner = new Thread(() -> {
                try {
                    Thread.sleep(MAX_LIFETIME.toMillis()); // bounded; interrupted when the build closes the tunnel
                } catch (InterruptedException e) {
                    // the build's Close: close now
                } finally {
                    try {
                        tunnel.close();
                    } finally {
                        client.close();
                    }
                }
            }, THREAD_PREFIX + spec.id);
            owner.setDaemon(true);
            owner.start();
            return tunnel.port();
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
            Thread owner = owner(id);
            if (owner == null) {
                return false;
            }
            owner.interrupt();
            try {
                owner.join(CLOSE_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while closing the Docker tunnel", e);
            }
            if (owner.isAlive()) {
                throw new IOException("the Docker tunnel did not close within " + CLOSE_WAIT.toSeconds() + " s");
            }
            return true;
        }
    }

    /** The live thread that owns tunnel {@code id} in this JVM, or null. */
    static Thread owner(String id) {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        return Arrays.stream(threads, 0, n).filter(t -> t.isAlive() && t.getName().equals(THREAD_PREFIX + id))
            .findFirst().orElse(null);
    }
}
