package io.jenkins.plugins.kubepodenv;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.BlockEnvironment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.cluster.ClusterErrors;
import io.kubepodenv.engine.config.BodyEnvironment;
import io.kubepodenv.engine.config.BuildIdentity;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.config.ConnectionMode;
import io.kubepodenv.engine.config.ResolvedSettings;
import io.kubepodenv.engine.config.SecretMasker;
import io.kubepodenv.engine.config.SettingsLayer;
import io.kubepodenv.engine.sync.SyncRequest;
import io.kubepodenv.engine.config.SettingsResolver;
import io.kubepodenv.engine.tunnel.KubernetesClientAccess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import hudson.Extension;
import hudson.model.Computer;
import hudson.model.InvisibleAction;
import hudson.security.ACL;
import hudson.security.ACLContext;
import hudson.slaves.ComputerListener;
import hudson.remoting.Channel;
import java.io.Serializable;
import java.net.InetAddress;
import jenkins.model.Jenkins;

/**
 * What the step and the freestyle wrapper share: provision (or reuse) the build's environment, open the way to its
 * Docker server from the agent, and later close it and, unless kept, delete the environment. Everything a later
 * {@link #release} or {@link #reopen} needs is a {@link Lease} of a few Strings, so it works after a controller restart.
 */
final class EnvironmentLease {
    private EnvironmentLease() {
    }

    /**
     * What the end of a block needs: a few Strings, so that it is kept in a paused Pipeline's program and works after a
     * controller restart (a plain class rather than a record, for that program's serialization).
     */
    static final class Lease implements Serializable {
        private static final long serialVersionUID = 1L;
        final String key;
        final String namespace;
        final boolean keep;
        /** The agent-side tunnel; null in direct mode. */
        final AgentTunnels.Spec tunnel;
        /** The Docker host's pod and the paths copied back from its mirror after the block; null: none. */
        final String syncPod;
        final ArrayList<String> syncBack;

        Lease(String key, String namespace, boolean keep, AgentTunnels.Spec tunnel) {
            this(key, namespace, keep, tunnel, null, List.of());
        }

        Lease(String key, String namespace, boolean keep, AgentTunnels.Spec tunnel, String syncPod,
            List<String> syncBack) {
            this.key = key;
            this.namespace = namespace;
            this.keep = keep;
            this.tunnel = tunnel;
            this.syncPod = syncBack.isEmpty() ? null : syncPod;
            this.syncBack = syncBack.isEmpty() ? null : new ArrayList<>(syncBack);
        }
    }

    /** What a running block holds: its variables and its lease. */
    record Held(BodyEnvironment body, Lease lease) {
    }

    /**
     * Provisions (or reuses) the build's environment and opens the way to it.
     *
     * @param workspace the block's workspace, whose agent gets the tunnel; null outside a node (direct mode only)
     */
    static Held acquire(Run<?, ?> run, FilePath workspace, TaskListener listener, EnvVars env,
        SettingsLayer parameters, Function<Boolean, SyncRequest> syncFor) throws IOException, InterruptedException {
        ResolvedSettings settings = resolve(run, parameters);
        SyncRequest sync;
        try {
            sync = syncFor.apply(settings.sync());
        } catch (InvalidInputException e) {
            throw new AbortException("kube-pod-env: " + e.getMessage());
        }
        if (workspace == null && sync.enabled()) {
            throw new AbortException("kube-pod-env: sync: true mirrors the block's workspace: use withKubePodEnv "
                + "inside node { }");
        }
        if (workspace == null && settings.connectionMode() != ConnectionMode.DIRECT) {
            throw new AbortException("kube-pod-env: the Docker tunnel runs on the agent of the block: use "
                + "withKubePodEnv inside node { }, or the direct connection mode for agents inside the cluster");
        }
        BuildIdentity identity = identityOf(run, env);
        String namespace = settings.options().namespace();
        ClusterConnection connection = ClusterAccess.forRun(settings.cluster(), settings.clusterOrigin(), run,
            namespace);
        SecretMasker masker = connection.masker();
        BuildLog log = new BuildLog(listener, masker);
        String key = identity.key().value();
        boolean keep = settings.keepFor(identity);
        try (KubernetesClient client = connection.newClient()) {
            return BlockEnvironment.provision(client, settings, identity, keep, attributes(identity), log, ready -> {
                String id = ready.environment().id();
                if (sync.enabled()) {
                    try {
                        log.progress(workspace.act(WorkspaceMirror.push(connection, client, ready.pod(),
                            workspace.getRemote(), sync.options())));
                    } catch (IOException e) {
                        throw new AbortException("kube-pod-env: " + masker.mask(String.valueOf(e.getMessage())));
                    }
                }
                if (settings.connectionMode() == ConnectionMode.DIRECT) {
                    String dockerHost = BlockEnvironment.directDockerHost(client, ready);
                    log.progress("direct connection: DOCKER_HOST=" + dockerHost);
                    return new Held(new BodyEnvironment(dockerHost, id, namespace),
                        new Lease(key, namespace, keep, null, ready.pod(), sync.back()));
                }
                AgentTunnels.Spec tunnel = new AgentTunnels.Spec(UUID.randomUUID().toString(),
                    ready.environment().dockerHost(), ready.environment().docker().port(),
                    ready.environment().docker().tls(), 0);
                long opening = System.nanoTime();
                tunnel = tunnel.onPort(workspace.act(new AgentTunnels.Open(tunnel,
                    KubernetesClientAccess.podAccess(client, connection), false)));
                Lease lease = new Lease(key, namespace, keep, tunnel, ready.pod(), sync.back());
                OpenTunnels.remember(run, workspace, lease);
                String dockerHost = BodyEnvironment.dockerHost(InetAddress.getLoopbackAddress(), tunnel.localPort);
                log.progress("tunnel open on the agent in " + (System.nanoTime() - opening) / 1_000_000 + " ms: "
                    + "DOCKER_HOST=" + dockerHost + (tunnel.tls ? " (the Docker server requires TLS: give the block "
                        + "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, e.g. with withCredentials)" : ""));
                return new Held(new BodyEnvironment(dockerHost, id, namespace), lease);
            });
        } catch (KubePodEnvException e) {
            throw new AbortException("kube-pod-env: " + masker.mask(e.getMessage())
                + (ClusterErrors.refusedCredentials(e) ? "; check " + (settings.cluster().inCluster()
                    ? "the controller's service account" : "credentials '" + settings.cluster().credentialsId() + "'")
                    + " (set in the " + settings.clusterOrigin() + ")" : ""));
        } catch (RuntimeException e) {
            throw new AbortException("kube-pod-env: " + masker.describe(e));
        }
    }

    /**
     * When the block's agent connects again (after a controller restart its JVM is often new): opens the block's
     * tunnel again on its port if the agent no longer has it, so that the block's {@code DOCKER_HOST} works again.
     */
    static void reopen(Run<?, ?> run, FilePath onAgent, TaskListener listener, Lease lease)
        throws IOException, InterruptedException {
        ResolvedSettings settings = resolve(run, SettingsLayer.parameters("recorded namespace")
            .withNamespace(lease.namespace));
        ClusterConnection connection = ClusterAccess.forRun(settings.cluster(), settings.clusterOrigin(), run,
            lease.namespace);
        BuildLog log = new BuildLog(listener, connection.masker());
        int port;
        try (KubernetesClient client = connection.newClient()) {
            port = onAgent.act(new AgentTunnels.Open(lease.tunnel, KubernetesClientAccess.podAccess(client, connection),
                true));
        }
        log.progress(port == 0 ? run.getFullDisplayName() + ": the agent still has the tunnel of environment '"
            + lease.key + "'" : run.getFullDisplayName() + ": tunnel of environment '" + lease.key
            + "' opened again on the agent, on port " + port);
    }

    /**
     * Closes the block's tunnel and, unless kept, deletes the environment. Always gets to the deletion: an agent that
     * is gone ({@code workspace} null) took its tunnel with it, and a tunnel that cannot be closed closes itself.
     */
    static void release(Run<?, ?> run, FilePath workspace, TaskListener listener, Lease lease)
        throws IOException, InterruptedException {
        BuildLog log = new BuildLog(listener, SecretMasker.none());
        copyBack(run, workspace, log, lease);
        OpenTunnels.forget(run, lease);
        if (lease.tunnel != null) {
            if (workspace == null) {
                log.warning("the agent is gone; its tunnel went with it");
            } else {
                try {
                    workspace.act(new AgentTunnels.Close(lease.tunnel.id));
                    log.progress("tunnel closed");
                } catch (IOException | RuntimeException | LinkageError e) {
                    log.warning("could not close the tunnel on the agent (" + e + "); it closes itself within "
                        + AgentTunnels.MAX_LIFETIME.toHours() + " h");
                }
            }
        }
        String key = lease.key;
        String namespace = lease.namespace;
        ResolvedSettings settings = resolve(run, SettingsLayer.parameters("recorded namespace").withNamespace(namespace));
        if (lease.keep) {
            recordEndOfUse(run, listener, settings, lease);
            log.progress("environment '" + key + "' kept in namespace " + namespace);
            return;
        }
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

    /** Copies the block's syncBack paths into its workspace; a failure is a warning, so the release goes on. */
    private static void copyBack(Run<?, ?> run, FilePath workspace, BuildLog log, Lease lease)
        throws InterruptedException {
        if (lease.syncBack == null) {
            return;
        }
        if (workspace == null) {
            log.warning("the agent is gone: " + String.join(", ", lease.syncBack) + " not copied back");
            return;
        }
        try {
            ResolvedSettings settings = resolve(run, SettingsLayer.parameters("recorded namespace")
                .withNamespace(lease.namespace));
            ClusterConnection connection = ClusterAccess.forRun(settings.cluster(), settings.clusterOrigin(), run,
                lease.namespace);
            try (KubernetesClient client = connection.newClient()) {
                log.progress(workspace.act(WorkspaceMirror.pull(connection, client, lease.syncPod,
                    workspace.getRemote(), lease.syncBack)));
            }
        } catch (IOException | RuntimeException e) {
            log.warning("copying " + String.join(", ", lease.syncBack) + " back failed: " + e.getMessage());
        }
    }

    /** A kept environment's idle time counts from now, the end of its block; a failure only costs that. */
    private static void recordEndOfUse(Run<?, ?> run, TaskListener listener, ResolvedSettings settings, Lease lease)
        throws IOException {
        ClusterConnection connection = ClusterAccess.forRun(settings.cluster(), settings.clusterOrigin(), run,
            lease.namespace);
        BuildLog log = new BuildLog(listener, connection.masker());
        try (KubernetesClient client = connection.newClient();
            KubePodEnv engine = new KubePodEnv(client, settings.options())) {
            engine.recordEndOfUse(EnvironmentKey.of(lease.key), log);
        } catch (RuntimeException e) {
            log.warning("could not record the end of the block on the environment (" + connection.masker().describe(e)
                + "); its idle time counts from the start of the block");
        }
    }

    /**
     * The tunnels of a build's running blocks and the computers they run on, kept with the build (in build.xml), so
     * that an agent that connects again gets them back ({@link AgentConnected}). Failing to save it only loses that.
     */
    public static final class OpenTunnels extends InvisibleAction {
        /** Tunnel id to the computer it runs on and its lease. */
        private final Map<String, OnComputer> open = new ConcurrentHashMap<>();

        /** A plain class rather than a record, for the build's XML. */
        private static final class OnComputer {
            private final String computer;
            private final Lease lease;

            OnComputer(String computer, Lease lease) {
                this.computer = computer;
                this.lease = lease;
            }
        }

        static synchronized void remember(Run<?, ?> run, FilePath workspace, Lease lease) {
            Computer computer = workspace.toComputer();
            if (computer == null) {
                return;
            }
            OpenTunnels tunnels = run.getAction(OpenTunnels.class);
            if (tunnels == null) {
                tunnels = new OpenTunnels();
                run.addAction(tunnels);
            }
            tunnels.open.put(lease.tunnel.id, new OnComputer(computer.getName(), lease));
            save(run);
        }

        static synchronized void forget(Run<?, ?> run, Lease lease) {
            OpenTunnels tunnels = run.getAction(OpenTunnels.class);
            if (tunnels != null && lease.tunnel != null && tunnels.open.remove(lease.tunnel.id) != null) {
                save(run);
            }
        }

        List<Lease> on(Computer computer) {
            return open.values().stream().filter(o -> o.computer.equals(computer.getName())).map(o -> o.lease)
                .toList();
        }

        private static void save(Run<?, ?> run) {
            try {
                run.save();
            } catch (IOException e) {
                EnvironmentCleanup.LOGGER.log(Level.WARNING, "kube-pod-env: " + run.getFullDisplayName() + ": could "
                    + "not record the open tunnels; after a controller restart they are not opened again", e);
            }
        }
    }

    /**
     * An agent is connecting: the running blocks that had tunnels on it get them back before the agent is online, so
     * that no step of a resumed block runs before its {@code DOCKER_HOST} works again. The built-in node comes online
     * once per start, after the builds are loaded and before Pipelines resume. Bounded by the tunnel's own ping
     * timeout per tunnel; a failure is logged, never blocks the agent.
     */
    @Extension
    public static final class AgentConnected extends ComputerListener {
        @Override
        public void preOnline(Computer computer, Channel channel, FilePath root, TaskListener listener)
            throws InterruptedException {
            reopenAll(computer, root, listener);
        }

        @Override
        public void onOnline(Computer computer, TaskListener listener) throws InterruptedException {
            if (computer instanceof Jenkins.MasterComputer) {
                reopenAll(computer, Jenkins.get().getRootPath(), listener);
            }
        }

        private static void reopenAll(Computer computer, FilePath root, TaskListener listener)
            throws InterruptedException {
            try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
                for (Run<?, ?> run : JobKeys.runningBuilds()) {
                    OpenTunnels open = run.getAction(OpenTunnels.class);
                    for (Lease lease : open == null ? List.<Lease>of() : open.on(computer)) {
                        try {
                            reopen(run, root, listener, lease);
                        } catch (IOException | RuntimeException e) {
                            EnvironmentCleanup.LOGGER.log(Level.WARNING, "kube-pod-env: " + run.getFullDisplayName()
                                + ": could not open the tunnel again on " + computer.getName(), e);
                        }
                    }
                }
            }
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
}
