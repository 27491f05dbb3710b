package io.jenkins.plugins.kubepodenv;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.config.BodyEnvironment;
import io.kubepodenv.engine.config.BuildIdentity;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.config.ConnectionMode;
import io.kubepodenv.engine.config.ResolvedSettings;
import io.kubepodenv.engine.config.SecretMasker;
import io.kubepodenv.engine.config.SettingsLayer;
import io.kubepodenv.engine.config.SettingsResolver;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jenkins.model.Jenkins;

/**
 * What the step and the freestyle wrapper share: provision (or reuse) the build's environment, open the way to its
 * Docker server from the agent, and later close it and, unless kept, delete the environment. Everything a later
 * {@link #release} needs is a few Strings, so it works after a controller restart.
 */
final class EnvironmentLease {
    private EnvironmentLease() {
    }

    /**
     * What a running block holds.
     *
     * @param body the variables for the block
     * @param tunnelId the agent-side tunnel's id; null in direct mode
     * @param key the environment key
     * @param namespace the environment's namespace
     * @param keep keep the environment when the block ends
     */
    record Held(BodyEnvironment body, String tunnelId, String key, String namespace, boolean keep) {
    }

    static Held acquire(Run<?, ?> run, FilePath workspace, TaskListener listener, EnvVars env,
        SettingsLayer parameters) throws IOException, InterruptedException {
        ResolvedSettings settings = resolve(run, parameters);
        BuildIdentity identity = identityOf(run, env);
        String namespace = settings.options().namespace();
        ClusterConnection connection = ClusterAccess.forRun(settings.cluster(), settings.clusterOrigin(), run,
            namespace);
        SecretMasker masker = connection.masker();
        BuildLog log = new BuildLog(listener, masker);
        EnvironmentKey key = identity.key();
        boolean keep = settings.keepFor(identity);
        log.progress("environment '" + key + "' in namespace " + namespace + " via " + settings.clusterOrigin()
            + " (" + settings.connectionMode() + ", " + (keep ? "kept" : "deleted") + " after the block)");
        // In tunnel mode the agent-side tunnel pings Docker before the block sees DOCKER_HOST, so the controller need
        // not do it too; in direct mode the controller's ping through a port-forward is the only one.
        DockerServerCheck check = settings.connectionMode() == ConnectionMode.DIRECT
            ? DockerServerCheck.TUNNEL_PING : DockerServerCheck.POD_READY_ONLY;
        try (KubernetesClient client = connection.newClient();
            KubePodEnv engine = new KubePodEnv(client, settings.options(), check)) {
            ReadyEnvironment ready = engine.up(key, attributes(identity), log);
            log.progress("ready in " + ready.elapsed().toSeconds() + " s" + (ready.reused() ? " (reused)" : ""));
            String id = ready.environment().id();
            try {
                if (settings.connectionMode() == ConnectionMode.DIRECT) {
                    String dockerHost = directAddress(client, namespace, ready.pod());
                    log.progress("direct connection: DOCKER_HOST=" + dockerHost);
                    return new Held(new BodyEnvironment(dockerHost, id, namespace), null, key.value(), namespace,
                        keep);
                }
                if (workspace == null) {
                    throw new AbortException("kube-pod-env: the tunnel runs on the agent of the block; use the step "
                        + "inside node { }");
                }
                String tunnelId = UUID.randomUUID().toString();
                String dockerHost = workspace.act(new AgentTunnels.Open(tunnelId, connection,
                    ready.environment().dockerHost(), ready.environment().docker().port(),
                    ready.environment().docker().tls()));
                log.progress("tunnel open on the agent: DOCKER_HOST=" + dockerHost
                    + (ready.environment().docker().tls() ? " (the Docker server requires TLS: give the block "
                        + "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, e.g. with withCredentials)" : ""));
                return new Held(new BodyEnvironment(dockerHost, id, namespace), tunnelId, key.value(), namespace,
                    keep);
            } catch (IOException | RuntimeException e) {
                if (!keep) {
                    deleteQuietly(engine, key, log);
                }
                throw e;
            }
        } catch (KubePodEnvException e) {
            throw new AbortException("kube-pod-env: " + masker.mask(e.getMessage()));
        } catch (RuntimeException e) {
            throw new AbortException("kube-pod-env: " + masker.describe(e));
        }
    }

    static void release(Run<?, ?> run, FilePath workspace, TaskListener listener, String tunnelId, String key,
        String namespace, boolean keep) throws IOException, InterruptedException {
        BuildLog log = new BuildLog(listener, SecretMasker.none());
        if (tunnelId != null) {
            if (workspace == null) {
                log.warning("the agent is gone; its tunnel went with it");
            } else {
                workspace.act(new AgentTunnels.Close(tunnelId));
                log.progress("tunnel closed");
            }
        }
        if (keep) {
            log.progress("environment '" + key + "' kept in namespace " + namespace);
            return;
        }
        ResolvedSettings settings = resolve(run, SettingsLayer.parameters("recorded namespace").withNamespace(namespace));
        if (EnvironmentCleanup.get().deferIfOthersRun(run, EnvironmentKey.of(key), settings)) {
            log.progress("another build that uses environment '" + key + "' is still running: waiting for it, the "
                + "environment is deleted when the last of them ends");
            return;
        }
        ClusterConnection connection = ClusterAccess.forRun(settings.cluster(), settings.clusterOrigin(), run,
            namespace);
        BuildLog masked = new BuildLog(listener, connection.masker());
        try (KubernetesClient client = connection.newClient();
            KubePodEnv engine = new KubePodEnv(client, settings.options())) {
            engine.down(EnvironmentKey.of(key), false, masked);
            masked.progress("environment '" + key + "' deleted");
        } catch (RuntimeException e) {
            throw new AbortException("kube-pod-env: could not delete the environment: "
                + connection.masker().describe(e));
        }
    }

    /** The build's names, and the controller's address, recorded on the environment's objects. */
    private static Map<String, String> attributes(BuildIdentity identity) {
        Map<String, String> a = new LinkedHashMap<>(identity.attributes());
        String root = Jenkins.get().getRootUrl();
        if (root != null && !root.isBlank()) {
            a.put("controller", root);
        }
        return a;
    }

    private static ResolvedSettings resolve(Run<?, ?> run, SettingsLayer parameters) throws AbortException {
        List<SettingsLayer> levels = new ArrayList<>(SettingsLevels.of(run.getParent()));
        levels.add(parameters);
        try {
            String owner = BuildIdentity.controllerOwner(Jenkins.get().getLegacyInstanceId());
            return new SettingsResolver(owner).resolve(levels);
        } catch (KubePodEnvException e) {
            throw new AbortException("kube-pod-env: " + e.getMessage());
        }
    }

    /**
     * The build's identity. The pull request comes from the SCM API, never from variables such as CHANGE_ID, which a
     * Jenkinsfile could set to reach another pull request's environment. Only the descriptive URLs come from
     * variables.
     */
    static BuildIdentity identityOf(Run<?, ?> run, EnvVars env) {
        return JobKeys.identityOf(run.getParent(), env == null ? "" : env.get("CHANGE_URL"),
            env == null ? "" : env.get("BUILD_URL"));
    }

    private static String directAddress(KubernetesClient client, String namespace, String podName)
        throws AbortException {
        Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
        String ip = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (ip == null || ip.isBlank()) {
            throw new AbortException("kube-pod-env: pod " + podName + " has no IP address yet");
        }
        return BodyEnvironment.dockerHost(ip, TunnelOptions.DOCKER_PORT);
    }

    private static void deleteQuietly(KubePodEnv engine, EnvironmentKey key, BuildLog log) {
        try {
            engine.down(key, false, log);
        } catch (RuntimeException e) {
            log.warning("could not delete the environment after the failure: " + e.getMessage());
        }
    }
}
