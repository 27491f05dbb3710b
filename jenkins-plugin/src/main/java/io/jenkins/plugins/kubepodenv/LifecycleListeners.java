package io.jenkins.plugins.kubepodenv;

import hudson.Extension;
import hudson.XmlFile;
import hudson.model.Item;
import hudson.model.ItemGroup;
import hudson.model.Job;
import hudson.model.Run;
import hudson.model.Saveable;
import hudson.model.listeners.ItemListener;
import hudson.model.listeners.RunListener;
import hudson.model.listeners.SaveableListener;
import java.util.logging.Level;

/**
 * The events that may orphan an environment. Each only hands work to {@link EnvironmentCleanup}'s queue: nothing here
 * talks to a cluster or waits.
 */
final class LifecycleListeners {
    private LifecycleListeners() {
    }

    /** A job, folder or multibranch project was deleted (by hand, or by the orphaned-item strategy). */
    @Extension
    public static final class Deleted extends ItemListener {
        @Override
        public void onDeleted(Item item) {
            if (item instanceof Job<?, ?> || item instanceof ItemGroup<?>) {
                guarded("deletion of " + item.getFullName(), () -> EnvironmentCleanup.get().itemDeleted(item));
            }
        }
    }

    /** branch-api saves a branch job when it marks its branch dead (pull request closed or merged, branch gone). */
    @Extension
    public static final class BranchDied extends SaveableListener {
        @Override
        public void onChange(Saveable o, XmlFile file) {
            if (o instanceof Job<?, ?> job) {
                guarded("save of " + job.getFullName(), () -> EnvironmentCleanup.get().jobSaved(job));
            }
        }
    }

    /** A build ended: a deletion deferred for it may run now. */
    @Extension
    public static final class BuildEnded extends RunListener<Run<?, ?>> {
        @Override
        public void onFinalized(Run<?, ?> run) {
            guarded("end of " + run.getFullDisplayName(), () -> EnvironmentCleanup.get().buildEnded(run));
        }
    }

    /** A listener must never break the operation that fired it. */
    private static void guarded(String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            EnvironmentCleanup.LOGGER.log(Level.WARNING, "kube-pod-env: could not schedule the cleanup after the "
                + what, e);
        }
    }
}
