package io.kubepodenv.engine.tunnel;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Environment;

/** Opens the tunnel of an environment: to the port its template declares, checked the way its server speaks. */
public final class EnvironmentTunnels {
    private EnvironmentTunnels() {
    }

    /**
     * A tunnel to the Docker server of {@code environment}, open once the server answers (a {@code /_ping} for a
     * plain server, a TLS handshake for one that requires TLS) within the options' ping timeout.
     *
     * @throws TunnelException when it does not answer in time
     */
    public static DockerTunnel open(KubernetesClient client, Environment environment, TunnelOptions options) {
        TunnelOptions forEnvironment = options.withRemotePort(environment.docker().port());
        DockerTunnel tunnel = DockerTunnel.openWithoutPing(client, environment.namespace(),
            forEnvironment.warm()
                ? StatefulSetPodLocator.watching(client, environment.namespace(), environment.dockerHost())
                : new StatefulSetPodLocator(client, environment.namespace(), environment.dockerHost()),
            forEnvironment);
        try {
            tunnel.awaitServer(forEnvironment.pingTimeout(), environment.docker().tls());
            return tunnel;
        } catch (RuntimeException e) {
            tunnel.close();
            throw e;
        }
    }
}
