package io.kubepodenv.engine;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.EnvironmentTunnels;
import io.kubepodenv.engine.tunnel.TunnelException;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.time.Duration;

/**
 * The last step of "ready": the Docker server must answer through the same path {@code DOCKER_HOST} will take. A
 * pod's Ready condition only says what its readiness probe saw, and a template's probe may be missing or wrong.
 */
@FunctionalInterface
public interface DockerServerCheck {
    /**
     * Opens a tunnel to the environment's pod, on the port its template declares, waits (at most {@code timeout})
     * for {@code GET /_ping} to answer {@code OK} through it (for a TLS server: for a TLS handshake), and closes it.
     */
    DockerServerCheck TUNNEL_PING = throughTunnel(TunnelOptions.defaults());

    /**
     * As {@link #TUNNEL_PING}, with a tunnel made from {@code tunnel} (its transport, connect timeout, frame size);
     * the listener, the ping timeout and the warm flag are the check's own.
     */
    static DockerServerCheck throughTunnel(TunnelOptions tunnel) {
        return (client, environment, timeout, listener) -> check(client, environment,
            tunnel.withListener(listener).withTimeouts(tunnel.connectTimeout(), timeout).withWarm(false), listener);
    }

    private static void check(KubernetesClient client, Environment environment, TunnelOptions options,
            ProgressListener listener) {
        DockerEndpoint docker = environment.docker();
        try (DockerTunnel tunnel = EnvironmentTunnels.open(client, environment, options)) {
            listener.progress("the Docker server answers through the tunnel" + (docker.tls() ? " (TLS)" : ""));
        } catch (TunnelException e) {
            throw new EnvironmentFailedException("the pod is ready but its Docker server does not answer on port "
                + docker.port() + " through a port-forward: " + e.getMessage() + ". The docker-host StatefulSet's "
                + "first container must serve Docker on that port" + (docker.tls() ? " with TLS (port named "
                + DockerEndpoint.TLS_PORT_NAME + ")" : " without TLS"), e);
        }
    }

    /**
     * No check beyond the pod's Ready condition: for callers that check the Docker server themselves (an agent-side
     * tunnel does its own ping) and for tests whose mock cluster has no Docker server behind it.
     */
    DockerServerCheck POD_READY_ONLY = (client, environment, timeout, listener) -> { };

    /**
     * @throws EnvironmentFailedException when the Docker server does not answer in time
     */
    void verify(KubernetesClient client, Environment environment, Duration timeout, ProgressListener listener);
}
