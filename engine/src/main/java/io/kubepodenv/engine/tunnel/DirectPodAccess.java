package io.kubepodenv.engine.tunnel;

import io.kubepodenv.engine.sync.PodCommands;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link PodAccess} on connections of our own to the API server, with JDK classes only: for credentials that do not
 * renew themselves (a token, a client certificate, a password).
 *
 * @param access how to reach and authenticate to the API server
 * @param namespace the namespace of the pods
 */
public record DirectPodAccess(ApiServerAccess access, String namespace) implements PodAccess {
    private static final long serialVersionUID = 1L;
    /** Bound on opening one pod exec connection. */
    static final Duration EXEC_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    public DirectPodAccess {
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(namespace, "namespace");
    }

    @Override
    public DockerTunnel openTunnel(String statefulSet, TunnelOptions options) {
        return DockerTunnel.openWithoutPing(access, namespace, new SingleReplicaPodLocator(statefulSet), options);
    }

    @Override
    public PodCommands commands(String pod, String container) {
        return new DirectPodExec(access, namespace, pod, container, EXEC_CONNECT_TIMEOUT);
    }

    @Override
    public void close() {
        // nothing held: each tunnel and command has its own connections
    }
}
