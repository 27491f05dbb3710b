package io.jenkins.plugins.kubepodenv;

import com.cloudbees.hudson.plugins.folder.AbstractFolder;
import hudson.Extension;
import hudson.ExtensionList;
import hudson.XmlFile;
import hudson.model.AsyncPeriodicWork;
import hudson.model.Item;
import hudson.model.ItemGroup;
import hudson.model.Job;
import hudson.model.Run;
import hudson.model.Saveable;
import hudson.model.TaskListener;
import hudson.model.listeners.ItemListener;
import hudson.model.listeners.RunListener;
import hudson.model.listeners.SaveableListener;
import hudson.security.ACL;
import hudson.security.ACLContext;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.config.BuildIdentity;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.config.ResolvedSettings;
import io.kubepodenv.engine.config.SecretMasker;
import io.kubepodenv.engine.config.SettingsLayer;
import io.kubepodenv.engine.config.SettingsResolver;
import io.kubepodenv.engine.lifecycle.DeletionQueue;
import io.kubepodenv.engine.lifecycle.ReconcilePolicy;
import io.kubepodenv.engine.lifecycle.Reconciler;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.Jenkins;

/**
 * Deletes environments whose jobs went away: on events (a branch became dead, an item was deleted, a build ended with
 * a deletion waiting for it) and periodically ({@link Periodic}). The decisions and deletions are the engine's
 * ({@link Reconciler}); this class turns Jenkins' items into places, live keys and busy keys. Events only hand work to
 * a small bounded queue, whose tasks run as SYSTEM, each with a time limit; outcomes go to the system log (logger
 * {@code io.jenkins.plugins.kubepodenv}).
 *
 * <p>An environment is deleted when no live job produces its key (or it is older than the configured maximum age, or
 * unused for longer than its max idle time), and never while a build that may use it runs; such a deletion is
 * deferred and runs when that build ends. An environment unused for longer than its sleep-after time is put to sleep,
 * never while a build of its key runs. Each environment carries the idle limits of the build that last used it
 * (global, folder or job settings), so the engine applies them.
 */
@Extension
public final class EnvironmentCleanup {
    static final Logger LOGGER = Logger.getLogger(EnvironmentCleanup.class.getName());
    /** Bound of one cleanup task (a scoped reconciliation, a deletion): lock wait and deletion included. */
    private static final Duration TASK_TIMEOUT = Duration.ofMinutes(15);
    private static final ProgressListener SYSTEM_LOG = new ProgressListener() {
        @Override
        public void progress(String message) {
            LOGGER.info(() -> "kube-pod-env: " + message);
        }

        @Override
        public void warning(String message) {
            LOGGER.warning(() -> "kube-pod-env: " + message);
        }
    };

    private final DeletionQueue queue = new DeletionQueue("kube-pod-env cleanup", 2, 200, TASK_TIMEOUT,
        EnvironmentCleanup::report);
    private final Reconciler<Target> reconciler = new Reconciler<>(Clock.systemUTC());
    /** Dead branch jobs already handled, so that saving a dead job again does not reconcile again. */
    private final Set<String> handledDead = ConcurrentHashMap.newKeySet();

    public static EnvironmentCleanup get() {
        return ExtensionList.lookupSingleton(EnvironmentCleanup.class);
    }

    /**
     * Where environments live and how to reach them in the background: as SYSTEM, with the credentials the
     * administrator configured where the settings come from.
     *
     * @param settings the merged configuration levels (cluster, namespace, options with this controller's owner)
     * @param context where the credentials are looked up (the folder that configures them, or Jenkins)
     */
    record Target(ResolvedSettings settings, ItemGroup<?> context) implements Reconciler.Place {
        @Override
        public Options options() {
            return settings.options();
        }

        @Override
        public String describe() {
            return "namespace " + options().namespace() + " (cluster of the " + settings.clusterOrigin() + ")";
        }

        @Override
        public ClusterConnection connect() throws IOException {
            try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
                return ClusterAccess.forConfiguration(settings.cluster(), context, options().namespace(), ACL.SYSTEM2);
            }
        }
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
        return item instanceof ItemGroup<?> group ? target(SettingsLevels.of(group), group) : Optional.empty();
    }

    /**
     * Every target configured anywhere: the global configuration, every folder with an override, every job with an
     * override; duplicates (same cluster and namespace) once.
     */
    static List<Target> allTargets() {
        Map<Object, Target> targets = new LinkedHashMap<>();
        target(SettingsLevels.of(Jenkins.get()), Jenkins.get()).ifPresent(t -> targets.putIfAbsent(identity(t), t));
        for (Item item : Jenkins.get().allItems(Item.class)) {
            KubePodEnvSettings own = item instanceof AbstractFolder<?> folder
                ? settingsOf(folder.getProperties().get(KubePodEnvFolderProperty.class))
                : item instanceof Job<?, ?> job ? settingsOf(job.getProperty(KubePodEnvJobProperty.class)) : null;
            if (own != null) {
                targetOf(item).ifPresent(t -> targets.putIfAbsent(identity(t), t));
            }
        }
        return List.copyOf(targets.values());
    }

    private static KubePodEnvSettings settingsOf(KubePodEnvFolderProperty p) {
        return p == null ? null : p.getSettings();
    }

    private static KubePodEnvSettings settingsOf(KubePodEnvJobProperty p) {
        return p == null ? null : p.getSettings();
    }

    private static Object identity(Target t) {
        return List.of(t.settings().cluster(), t.options().namespace());
    }

    // ---- events: each only queues work -------------------------------------------------------------------------

    /** An item (job, folder, multibranch project) was deleted: reconcile the keys under it, soon. */
    void itemDeleted(Item item) {
        String name = item.getFullName();
        handledDead.removeIf(n -> n.equals(name) || n.startsWith(name + "/"));
        targetOf(item).ifPresent(t -> submit("reconcile " + name, () -> reconciler.reconcile(List.of(t),
            policy(BuildIdentity.keysUnder(name), item), JobKeys::isBusy, "'" + name + "' was deleted", SYSTEM_LOG)));
    }

    /** A job was saved: if branch-api just marked its branch dead, reconcile its multibranch project, soon. */
    void jobSaved(Job<?, ?> job) {
        String name = job.getFullName();
        if (!JobKeys.isDead(job)) {
            handledDead.remove(name);
            return;
        }
        if (!handledDead.add(name)) {
            return;
        }
        String project = job.getParent().getFullName();
        targetOf(job).ifPresent(t -> submit("reconcile " + project, () -> reconciler.reconcile(List.of(t),
            policy(BuildIdentity.keysUnder(project), null), JobKeys::isBusy, "branch job '" + name
                + "' became dead", SYSTEM_LOG)));
    }

    /** A build ended: run the deferred deletions no build needs any more. */
    void buildEnded() {
        if (reconciler.hasDeferred()) {
            submit("deferred deletions", () -> reconciler.runDeferred(JobKeys::isBusy,
                () -> JobKeys.snapshot(null).liveKeys(), SYSTEM_LOG));
        }
    }

    /**
     * The end of a block whose environment is not kept: if another build that uses the key runs, defer the deletion
     * to the end of the last one instead of deleting under it.
     *
     * @return true when deferred (the caller does not delete)
     */
    boolean deferIfOthersRun(Run<?, ?> run, EnvironmentKey key, ResolvedSettings settings) {
        try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
            return reconciler.deferIfBusy(key, new Target(settings, run.getParent().getParent()), "the block of "
                + run.getFullDisplayName() + " ended (not kept)", k -> JobKeys.isBusyExcept(k, run));
        }
    }

    boolean isDeferred(EnvironmentKey key) {
        return reconciler.isDeferred(key);
    }

    /** The periodic reconciliation of every configured target, on the calling (background) thread. */
    String reconcileAll(ProgressListener log) {
        try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
            List<Target> targets = allTargets();
            return targets.isEmpty() ? "no cluster is configured" : reconciler.reconcile(targets,
                policy(ReconcilePolicy.everything(), null), JobKeys::isBusy, "periodic reconciliation", log);
        }
    }

    /** What Jenkins' jobs say at the moment it is asked; {@code excluded}: an item being deleted, or null. */
    private static Supplier<ReconcilePolicy> policy(Predicate<EnvironmentKey> scope, Item excluded) {
        return () -> {
            JobKeys.Snapshot jobs = JobKeys.snapshot(excluded);
            return new ReconcilePolicy(owner(), jobs.liveKeys(), jobs::busy, scope,
                KubePodEnvConfiguration.get().maxAgeDuration());
        };
    }

    private void submit(String name, Supplier<String> task) {
        queue.submit(name, () -> {
            try (ACLContext ignored = ACL.as2(ACL.SYSTEM2)) {
                return task.get();
            }
        });
    }

    private static void report(DeletionQueue.Outcome outcome) {
        Level level = outcome.status() == DeletionQueue.Status.DONE ? Level.INFO : Level.WARNING;
        LOGGER.log(level, () -> "kube-pod-env cleanup, " + outcome.name() + ": " + outcome.status() + ": "
            + outcome.detail());
    }

    /** A listener must never break the operation that fired it. */
    private static void guarded(String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "kube-pod-env: could not schedule the cleanup after the " + what, e);
        }
    }

    /** A job, folder or multibranch project was deleted (by hand, or by the orphaned-item strategy). */
    @Extension
    public static final class Deleted extends ItemListener {
        @Override
        public void onDeleted(Item item) {
            if (item instanceof Job<?, ?> || item instanceof ItemGroup<?>) {
                guarded("deletion of " + item.getFullName(), () -> get().itemDeleted(item));
            }
        }
    }

    /** branch-api saves a branch job when it marks its branch dead (pull request closed or merged, branch gone). */
    @Extension
    public static final class BranchDied extends SaveableListener {
        @Override
        public void onChange(Saveable o, XmlFile file) {
            if (o instanceof Job<?, ?> job) {
                guarded("save of " + job.getFullName(), () -> get().jobSaved(job));
            }
        }
    }

    /** A build ended: a deletion deferred for it may run now. */
    @Extension
    public static final class BuildEnded extends RunListener<Run<?, ?>> {
        @Override
        public void onFinalized(Run<?, ?> run) {
            guarded("end of " + run.getFullDisplayName(), () -> get().buildEnded());
        }
    }

    /**
     * The periodic reconciliation: catches everything the events missed (a webhook that never came, a job deleted
     * while the controller was stopped). It wakes every minute and works when the configured period (default 15
     * minutes) has passed since its last run, so a new period applies without a restart. Its log is the task log
     * "kube-pod-env reconciler".
     */
    @Extension
    public static final class Periodic extends AsyncPeriodicWork {
        private volatile Instant lastRun = Instant.EPOCH;

        public Periodic() {
            super("kube-pod-env reconciler");
        }

        @Override
        public long getRecurrencePeriod() {
            return MIN;
        }

        @Override
        protected void execute(TaskListener listener) {
            Instant now = Instant.now();
            if (Duration.between(lastRun, now).compareTo(KubePodEnvConfiguration.get().reconcilePeriod()) >= 0) {
                lastRun = now;
                String outcome = get().reconcileAll(new BuildLog(listener, SecretMasker.none()));
                listener.getLogger().println(outcome);
                LOGGER.info(() -> "kube-pod-env " + outcome);
            }
        }
    }
}
