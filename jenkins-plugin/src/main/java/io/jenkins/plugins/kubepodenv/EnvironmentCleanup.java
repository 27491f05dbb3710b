package io.jenkins.plugins.kubepodenv;

import com.cloudbees.hudson.plugins.folder.AbstractFolder;
import hudson.Extension;
import hudson.ExtensionList;
import hudson.model.Item;
import hudson.model.ItemGroup;
import hudson.model.Job;
import hudson.model.Run;
import hudson.security.ACL;
import hudson.security.ACLContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.config.BuildIdentity;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.config.ResolvedSettings;
import io.kubepodenv.engine.config.SecretMasker;
import io.kubepodenv.engine.config.SettingsLayer;
import io.kubepodenv.engine.config.SettingsResolver;
import io.kubepodenv.engine.lifecycle.DeferredDeletions;
import io.kubepodenv.engine.lifecycle.DeletionQueue;
import io.kubepodenv.engine.lifecycle.GarbageCollector;
import io.kubepodenv.engine.lifecycle.ReconcilePolicy;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.Jenkins;

/**
 * Deletes environments whose jobs went away: on events (a branch became dead, an item was deleted, a build ended with
 * a deletion waiting for it) and periodically ({@link EnvironmentReconciler}). Everything runs on a small bounded
 * queue of its own, off the listener threads, as SYSTEM with administrator-configured credentials, each task with a
 * time limit; outcomes go to the system log (logger {@code io.jenkins.plugins.kubepodenv}).
 *
 * <p>Decisions are the engine's ({@link ReconcilePolicy}): an environment is deleted when no live job produces its
 * key (or it is older than the configured maximum age, or unused for longer than its max idle time), and never while
 * a build that may use it runs; such a deletion is deferred and runs when that build ends. An environment unused for
 * longer than its sleep-after time is put to sleep, never while a build of its key runs. Each environment carries the
 * idle limits of the build that last used it (global, folder or job settings), so the engine applies them.
 */
@Extension
public final class EnvironmentCleanup {
    static final Logger LOGGER = Logger.getLogger(EnvironmentCleanup.class.getName());
    /** Bound of one cleanup task (a scoped reconciliation, a deletion): lock wait and deletion included. */
    private static final Duration TASK_TIMEOUT = Duration.ofMinutes(15);

    private final DeletionQueue queue = new DeletionQueue("kube-pod-env cleanup", 2, 200, TASK_TIMEOUT,
        EnvironmentCleanup::report);
    private final DeferredDeletions<Deletion> deferred = new DeferredDeletions<>();
    /** Dead branch jobs already handled, so that saving a dead job again does not reconcile again. */
    private final Set<String> handledDead = ConcurrentHashMap.newKeySet();

    public static EnvironmentCleanup get() {
        return ExtensionList.lookupSingleton(EnvironmentCleanup.class);
    }

    /**
     * Where environments live and how to reach them in the background.
     *
     * @param settings the merged configuration levels (cluster, namespace, options with this controller's owner)
     * @param context where the credentials are looked up (the folder that configures them, or Jenkins)
     */
    record Target(ResolvedSettings settings, ItemGroup<?> context) {
        String namespace() {
            return settings.options().namespace();
        }

        String describe() {
            return "namespace " + namespace() + " (cluster of the " + settings.clusterOrigin() + ")";
        }

        Object identity() {
            return List.of(settings.cluster(), namespace());
        }
    }

    /**
     * A deletion waiting for builds to end.
     *
     * @param onlyIfDead re-check when it runs that no live job produces the key (a pull request may be reopened)
     */
    record Deletion(Target target, boolean onlyIfDead) {
    }

    static String owner() {
        return BuildIdentity.controllerOwner(Jenkins.get().getLegacyInstanceId());
    }

    static Optional<Target> target(List<SettingsLayer> levels, ItemGroup<?> context) {
        try {
            return Optional.of(new Target(new SettingsResolver(owner()).resolve(levels), context));
        } catch (KubePodEnvException e) {
            return Optional.empty(); // no cluster configured at this level, or invalid: nothing of ours there
        }
    }

    /** The target an item's environments use (its own configuration levels). */
    static Optional<Target> targetOf(Item item) {
        if (item instanceof Job<?, ?> job) {
            return target(SettingsLevels.of(job), job.getParent());
        }
        if (item instanceof ItemGroup<?> group) {
            return target(SettingsLevels.of(group), group);
        }
        return Optional.empty();
    }

    /**
     * Every target configured anywhere: the global configuration, every folder with an override, every job with an
     * override; duplicates (same cluster and namespace) once.
     */
    static List<Target> allTargets() {
        Map<Object, Target> targets = new LinkedHashMap<>();
        target(SettingsLevels.of(Jenkins.get()), Jenkins.get()).ifPresent(t -> targets.putIfAbsent(t.identity(), t));
        for (Item item : Jenkins.get().allItems(Item.class)) {
            KubePodEnvSettings own = null;
            if (item instanceof AbstractFolder<?> folder) {
                KubePodEnvFolderProperty p = folder.getProperties().get(KubePodEnvFolderProperty.class);
                own = p == null ? null : p.getSettings();
            } else if (item instanceof Job<?, ?> job) {
                KubePodEnvJobProperty p = job.getProperty(KubePodEnvJobProperty.class);
                own = p == null ? null : p.getSettings();
            }
            boolean configured = own != null;
            if (configured) {
                targetOf(item).ifPresent(t -> targets.putIfAbsent(t.identity(), t));
            }
        }
        return new ArrayList<>(targets.values());
    }

    // ---- events -------------------------------------------------------------------------------------------------

    /** An item (job, folder, multibranch project) was deleted: reconcile the keys under it, soon. */
    void itemDeleted(Item item) {
        String name = item.getFullName();
        handledDead.removeIf(n -> n.equals(name) || n.startsWith(name + "/"));
        Optional<Target> target = targetOf(item);
        if (target.isEmpty()) {
            return;
        }
        queue.submit("reconcile " + name, () -> reconcile(BuildIdentity.keysUnder(name), List.of(target.get()), item,
            "'" + name + "' was deleted"));
    }

    /** A job was saved: if branch-api just marked its branch dead, reconcile its multibranch project, soon. */
    void jobSaved(Job<?, ?> job) {
        String name = job.getFullName();
        if (!JobKeys.isDead(job)) {
            if (handledDead.remove(name)) {
                LOGGER.fine(() -> "kube-pod-env: branch job " + name + " is alive again");
            }
            return;
        }
        if (!handledDead.add(name)) {
            return;
        }
        ItemGroup<?> project = job.getParent();
        Optional<Target> target = targetOf(job);
        if (target.isEmpty()) {
            return;
        }
        String projectName = project.getFullName();
        queue.submit("reconcile " + projectName, () -> reconcile(BuildIdentity.keysUnder(projectName),
            List.of(target.get()), null, "branch job '" + name + "' became dead"));
    }

    /** A build ended: run the deferred deletions no build needs any more. */
    void buildEnded(Run<?, ?> run) {
        if (!deferred.isEmpty()) {
            queue.submit("deferred deletions", this::runDeferred);
        }
    }

    /**
     * The end of a block whose environment is not kept: if another build that uses the key runs, defer the deletion
     * to the end of the last one instead of deleting under it.
     *
     * @return true when deferred (the caller does not delete)
     */
    boolean deferIfOthersRun(Run<?, ?> run, EnvironmentKey key, ResolvedSettings settings) {
        Target target = new Target(settings, run.getParent().getParent());
        try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
            return deferred.deferIfBusy(key, new Deletion(target, false), "the block of " + run.getFullDisplayName()
                + " ended (not kept)", k -> JobKeys.isBusyExcept(k, run));
        }
    }

    boolean isDeferred(EnvironmentKey key) {
        return deferred.isPending(key);
    }

    // ---- work (on the queue's threads, or the periodic work's) ---------------------------------------------------

    /** The periodic reconciliation of every configured target; runs on the caller's (background) thread. */
    String reconcileAll(ProgressListener log) {
        List<Target> targets;
        try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
            targets = allTargets();
        }
        if (targets.isEmpty()) {
            return "no cluster is configured";
        }
        return reconcile(ReconcilePolicy.everything(), targets, null, "periodic reconciliation", log);
    }

    private String reconcile(Predicate<EnvironmentKey> scope, List<Target> targets, Item excluded, String why) {
        return reconcile(scope, targets, excluded, why, new SystemLog(SecretMasker.none()));
    }

    private String reconcile(Predicate<EnvironmentKey> scope, List<Target> targets, Item excluded, String why,
        ProgressListener log) {
        List<String> summary = new ArrayList<>();
        Optional<Duration> maxAge = KubePodEnvConfiguration.get().maxAgeDuration();
        for (Target target : targets) {
            try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
                ClusterConnection connection = ClusterAccess.forConfiguration(target.settings().cluster(),
                    target.context(), target.namespace(), ACL.SYSTEM2);
                ProgressListener masked = masked(log, connection.masker());
                try (KubernetesClient client = connection.newClient()) {
                    GarbageCollector.Reconciliation result = new GarbageCollector(client, target.namespace(),
                        Clock.systemUTC()).reconcile(() -> {
                            JobKeys.Snapshot jobs = JobKeys.snapshot(excluded);
                            return new ReconcilePolicy(owner(), jobs.liveKeys(), jobs::busy, scope, maxAge);
                        }, false, false, target.settings().options().deleteTimeout(), masked);
                    int deferredHere = 0;
                    for (ReconcilePolicy.Decision d : result.with(ReconcilePolicy.Action.DEFER)) {
                        EnvironmentKey key = d.environment().key();
                        if (deferred.deferIfBusy(key, new Deletion(target, true), d.reason(), JobKeys::isBusy)) {
                            deferredHere++;
                        } else {
                            // The build ended between the decision and now.
                            try (KubePodEnv engine = new KubePodEnv(client, target.settings().options())) {
                                engine.down(key, false, masked);
                            }
                        }
                    }
                    summary.add(target.describe() + ": " + result.examined() + " environments, "
                        + result.with(ReconcilePolicy.Action.DELETE).size() + " deleted, " + deferredHere
                        + " deferred until their builds end, " + result.with(ReconcilePolicy.Action.SLEEP).size()
                        + " idle (put to sleep unless used meanwhile)");
                } catch (RuntimeException e) {
                    String message = connection.masker().describe(e);
                    log.warning(why + ": " + target.describe() + ": " + message);
                    summary.add(target.describe() + ": failed: " + message);
                }
            } catch (IOException | RuntimeException e) {
                log.warning(why + ": " + target.describe() + ": cannot connect: " + e.getMessage());
                summary.add(target.describe() + ": cannot connect: " + e.getMessage());
            }
        }
        return why + ": " + String.join("; ", summary);
    }

    private String runDeferred() {
        List<DeferredDeletions.Pending<Deletion>> ready;
        JobKeys.Snapshot jobs;
        try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
            ready = deferred.takeIdle(JobKeys::isBusy);
            jobs = ready.stream().anyMatch(p -> p.target().onlyIfDead()) ? JobKeys.snapshot(null) : null;
        }
        List<String> done = new ArrayList<>();
        for (DeferredDeletions.Pending<Deletion> p : ready) {
            if (p.target().onlyIfDead() && jobs.liveKeys().contains(p.key())) {
                done.add("'" + p.key() + "' kept: a job of it is alive again");
                continue;
            }
            done.add(delete(p.key(), p.target().target(), "deferred: " + p.reason()));
        }
        return done.isEmpty() ? "nothing to delete yet" : String.join("; ", done);
    }

    private String delete(EnvironmentKey key, Target target, String why) {
        try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
            ClusterConnection connection = ClusterAccess.forConfiguration(target.settings().cluster(),
                target.context(), target.namespace(), ACL.SYSTEM2);
            ProgressListener log = new SystemLog(connection.masker());
            try (KubernetesClient client = connection.newClient();
                KubePodEnv engine = new KubePodEnv(client, target.settings().options())) {
                int deleted = engine.down(key, false, log).deleted().size();
                return "'" + key + "' in " + target.describe() + ": " + deleted + " objects deleted (" + why + ")";
            } catch (RuntimeException e) {
                throw new IllegalStateException("'" + key + "' in " + target.describe() + ": "
                    + connection.masker().describe(e));
            }
        } catch (IOException e) {
            throw new IllegalStateException("'" + key + "' in " + target.describe() + ": cannot connect: "
                + e.getMessage());
        }
    }

    private static void report(DeletionQueue.Outcome outcome) {
        Level level = outcome.status() == DeletionQueue.Status.DONE ? Level.INFO : Level.WARNING;
        LOGGER.log(level, () -> "kube-pod-env cleanup, " + outcome.name() + ": " + outcome.status() + ": "
            + outcome.detail());
    }

    private static ProgressListener masked(ProgressListener log, SecretMasker masker) {
        return new ProgressListener() {
            @Override
            public void progress(String message) {
                log.progress(masker.mask(message));
            }

            @Override
            public void warning(String message) {
                log.warning(masker.mask(message));
            }
        };
    }

    /** Engine progress to the system log. */
    static final class SystemLog implements ProgressListener {
        private final SecretMasker masker;

        SystemLog(SecretMasker masker) {
            this.masker = masker;
        }

        @Override
        public void progress(String message) {
            LOGGER.info(() -> "kube-pod-env: " + masker.mask(message));
        }

        @Override
        public void warning(String message) {
            LOGGER.warning(() -> "kube-pod-env: " + masker.mask(message));
        }
    }
}
