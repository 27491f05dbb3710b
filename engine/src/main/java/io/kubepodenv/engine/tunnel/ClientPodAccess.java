package io.kubepodenv.engine.tunnel;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.exec.PodExec;
import io.kubepodenv.engine.sync.PodCommands;
import java.util.Objects;

/**
 * A {@link PodAccess} through a Kubernetes client made where it is used, for credentials that renew themselves (a
 * kubeconfig with an exec plugin or an auth provider): only the client can renew them there.
 */
public final class ClientPodAccess implements PodAccess {
    private static final long serialVersionUID = 1L;
    private final ClusterConnection connection;
    private transient KubernetesClient client;

    public ClientPodAccess(ClusterConnection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    @Override
    public String namespace() {
        return connection.namespace();
    }

    private synchronized KubernetesClient client() {
        if (client == null) {
            client = connection.newClient();
        }
        return client;
    }

    @Override
    public DockerTunnel openTunnel(String statefulSet, TunnelOptions options) {
        KubernetesClient c = client();
        return DockerTunnel.openWithoutPing(c, namespace(), StatefulSetPodLocator.watching(c, namespace(), statefulSet),
            options);
    }

    /** Commands in the pod's first container ({@code container} is the controller's reading of it, not needed here). */
    @Override
    public PodCommands commands(String pod, String container) {
        return new PodExec(client(), namespace()).commandsIn(pod);
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    @Override
    public String toString() {
        return "ClientPodAccess[" + connection + "]";
    }
}
