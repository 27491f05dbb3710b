package io.kubepodenv.engine.tunnel;

import io.kubepodenv.engine.sync.PodCommands;
import java.io.Serializable;

/**
 * How a process away from the controller (a CI agent) reaches an environment's pod: a Docker tunnel to its
 * StatefulSet's pod, and commands in a container of a pod. Serializable, so that it can be sent to the agent.
 *
 * <p>Made on the controller by {@link KubernetesClientAccess#podAccess}: a {@link DirectPodAccess} (JDK classes and the
 * engine's tunnel only; a fresh agent loads a few dozen classes) unless the credentials renew themselves, which only a
 * Kubernetes client can do ({@link ClientPodAccess}). Neither this interface nor the direct implementation names a
 * Kubernetes client type, so that receiving one loads none. Close it when its tunnels and commands are done.
 */
public interface PodAccess extends Serializable, AutoCloseable {
    /** The namespace of the pods. */
    String namespace();

    /**
     * Opens a tunnel to the pod of {@code statefulSet} (a StatefulSet of one replica), without the Docker ping; the
     * caller waits for the server with {@link DockerTunnel#awaitServer}.
     */
    DockerTunnel openTunnel(String statefulSet, TunnelOptions options);

    /** Commands in {@code container} of {@code pod}. */
    PodCommands commands(String pod, String container);

    /** Releases what the access holds (a client); its tunnels are closed by their owners. */
    @Override
    void close();
}
