package io.kubepodenv.engine;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.cluster.Cleanup;
import io.kubepodenv.engine.config.BodyEnvironment;
import io.kubepodenv.engine.config.BuildIdentity;
import io.kubepodenv.engine.config.ConnectionMode;
import io.kubepodenv.engine.config.ResolvedSettings;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.IOException;
import java.util.Map;

/**
 * The environment of a CI build's block: provisions (or reuses) it, opens the way in for the block's commands, and
 * deletes it again when that fails and it is not to be kept. The CI system supplies the way in (a tunnel on its agent,
 * or {@link #directDockerHost}) and turns the outcome into the block's variables.
 */
public final class BlockEnvironment {
    private BlockEnvironment() {
    }

    /** How the block's commands reach the ready environment's Docker server. */
    @FunctionalInterface
    public interface WayIn<T> {
        T open(ReadyEnvironment ready) throws IOException, InterruptedException;
    }

    /**
     * Provisions the environment of {@code build} and opens {@code wayIn} to it; when opening fails (or is
     * interrupted) and the environment is not kept, deletes it before passing the failure on.
     *
     * @param keep whether the environment outlives the block (it is then not deleted on failure either)
     * @param attributes recorded on the environment's objects (the build's names, the controller)
     */
    public static <T> T provision(KubernetesClient client, ResolvedSettings settings, BuildIdentity build,
        boolean keep, Map<String, String> attributes, ProgressListener log, WayIn<T> wayIn)
        throws IOException, InterruptedException {
        EnvironmentKey key = build.key();
        log.progress("environment '" + key + "' in namespace " + settings.options().namespace() + " via "
            + settings.clusterOrigin() + " (" + settings.connectionMode() + ", " + (keep ? "kept" : "deleted")
            + " after the block)");
        // In tunnel mode the way in pings Docker before the block sees DOCKER_HOST, so up need not do it too; in
        // direct mode up's ping through a port-forward is the only one.
        DockerServerCheck check = settings.connectionMode() == ConnectionMode.DIRECT
            ? DockerServerCheck.TUNNEL_PING : DockerServerCheck.POD_READY_ONLY;
        try (KubePodEnv engine = new KubePodEnv(client, settings.options(), check)) {
            ReadyEnvironment ready = engine.up(key, attributes, log);
            log.progress("ready in " + ready.elapsed().toSeconds() + " s" + (ready.reused() ? " (reused)" : ""));
            try {
                return wayIn.open(ready);
            } catch (IOException | InterruptedException | RuntimeException e) {
                if (!keep) {
                    try {
                        Cleanup.despiteInterrupt(() -> engine.down(key, false, log));
                    } catch (RuntimeException deletion) {
                        log.warning("could not delete the environment after the failure: " + deletion.getMessage());
                    }
                }
                throw e;
            }
        }
    }

    /**
     * {@code DOCKER_HOST} for the pod's own address, for commands that run inside the cluster (direct mode).
     *
     * @throws EnvironmentFailedException when the pod has no IP address
     */
    public static String directDockerHost(KubernetesClient client, ReadyEnvironment ready) {
        String namespace = ready.environment().namespace();
        Pod pod = client.pods().inNamespace(namespace).withName(ready.pod()).get();
        String ip = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (ip == null || ip.isBlank()) {
            throw new EnvironmentFailedException("pod " + ready.pod() + " in namespace " + namespace
                + " has no IP address yet");
        }
        return BodyEnvironment.dockerHost(ip, TunnelOptions.DOCKER_PORT);
    }
}
