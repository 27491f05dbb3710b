package io.kubepodenv.engine.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.IOException;

/**
 * A tunnel in a process of its own, as {@code kpe exec} or a Jenkins agent runs it, for the tunnel benchmark: prints
 * the local port on stdout, forwards until its standard input ends, then closes the tunnel and exits.
 *
 * <p>Arguments: API server URL (plain http, no credentials: the mock server), namespace, StatefulSet.
 */
public final class TunnelProcess {
    private TunnelProcess() {
    }

    public static void main(String[] args) throws IOException {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(args[0]).withNamespace(args[1]).build();
        TunnelOptions options = TunnelOptions.defaults();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                DockerTunnel tunnel = DockerTunnel.openWithoutPing(client, args[1],
                        new StatefulSetPodLocator(client, args[1], args[2]), options)) {
            System.out.println(tunnel.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // forward until the benchmark closes our input
            }
        }
    }
}
