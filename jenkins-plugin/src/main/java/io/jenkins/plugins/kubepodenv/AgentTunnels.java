package io.jenkins.plugins.kubepodenv;

import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import jenkins.security.MasterToSlaveCallable;

/**
 * Docker tunnels that live in the JVM of the agent running the build's commands, so that {@code DOCKER_HOST} on the
 * agent is the agent's own loopback. Opened and closed by callables sent over the agent's channel; each tunnel opens
 * its own client from the {@link ClusterConnection} it was given, so no byte of Docker traffic crosses the controller.
 *
 * <p>The registry must outlive a controller restart while the agent lives: after the restart the agent reconnects on a
 * new channel, whose class loader defines this class afresh with empty statics. So tunnels are kept in a map stored in
 * the agent JVM's system properties, typed only with JDK types ({@link AutoCloseable}), which every class loader
 * shares.
 */
final class AgentTunnels {
    private static final String REGISTRY = "io.kubepodenv.jenkins.tunnels";
    /** A tunnel whose build never closed it (the controller lost the build) closes itself after this. */
    static final Duration MAX_LIFETIME = Duration.ofHours(24);

    private AgentTunnels() {
    }

    @SuppressWarnings("unchecked")
    private static Map<String, AutoCloseable> registry() {
        Properties props = System.getProperties();
        synchronized (props) {
            Object existing = props.get(REGISTRY);
            if (existing instanceof Map<?, ?> map) {
                return (Map<String, AutoCloseable>) map;
            }
            Map<String, AutoCloseable> created = new ConcurrentHashMap<>();
            props.put(REGISTRY, created);
            return created;
        }
    }

    /** Opens a tunnel on the agent's loopback and returns its {@code DOCKER_HOST}. */
    static final class Open extends MasterToSlaveCallable<String, IOException> {
        private static final long serialVersionUID = 1L;
        private final String id;
        private final ClusterConnection connection;
        private final String statefulSet;
        private final int dockerPort;
        private final boolean dockerTls;

        /** A tunnel to the Docker server of {@code statefulSet}'s pod, on the port its template declares. */
        Open(String id, ClusterConnection connection, String statefulSet, int dockerPort, boolean dockerTls) {
            this.id = id;
            this.connection = connection;
            this.statefulSet = statefulSet;
            this.dockerPort = dockerPort;
            this.dockerTls = dockerTls;
        }

        @Override
        public String call() throws IOException {
            KubernetesClient client = connection.newClient();
            DockerTunnel tunnel;
            try {
                TunnelOptions options = TunnelOptions.defaults().withRemotePort(dockerPort);
                tunnel = DockerTunnel.openWithoutPing(client, connection.namespace(),
                    StatefulSetPodLocator.watching(client, connection.namespace(), statefulSet), options);
                try {
                    tunnel.awaitServer(options.pingTimeout(), dockerTls);
                } catch (RuntimeException e) {
                    tunnel.close();
                    throw e;
                }
            } catch (RuntimeException e) {
                client.close();
                throw new IOException(connection.masker().describe(e));
            }
            // Closes the tunnel itself after MAX_LIFETIME unless the build closes it first; closing ends the wait.
            Thread reaper = new Thread(() -> {
                try {
                    Thread.sleep(MAX_LIFETIME.toMillis());
                    close(id);
                } catch (InterruptedException e) {
                    // closed by the build: nothing left to do
                } catch (IOException e) {
                    // Nobody to tell on the agent; the tunnel is out of the registry either way.
                }
            }, "kube-pod-env tunnel reaper " + id);
            reaper.setDaemon(true);
            AutoCloseable all = () -> {
                try {
                    tunnel.close();
                } finally {
                    client.close();
                    if (Thread.currentThread() != reaper) {
                        reaper.interrupt();
                    }
                }
            };
            registry().put(id, all);
            reaper.start();
            return tunnel.dockerHost();
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
            return close(id);
        }
    }

    private static boolean close(String id) throws IOException {
        AutoCloseable tunnel = registry().remove(id);
        if (tunnel == null) {
            return false;
        }
        try {
            tunnel.close();
        } catch (Exception e) {
            throw new IOException("closing the Docker tunnel: " + e.getMessage(), e);
        }
        return true;
    }
}
