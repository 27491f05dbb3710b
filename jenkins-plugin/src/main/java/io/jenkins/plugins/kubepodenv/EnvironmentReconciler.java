package io.jenkins.plugins.kubepodenv;

import hudson.Extension;
import hudson.model.AsyncPeriodicWork;
import hudson.model.TaskListener;
import io.kubepodenv.engine.ProgressListener;
import java.time.Duration;
import java.time.Instant;

/**
 * The periodic reconciliation: lists this controller's environments in every configured namespace (one list call per
 * kind) and deletes those whose jobs no longer exist or are all dead (and, if configured, those older than the
 * maximum age), deferring any with a running build. Catches everything the events missed: a webhook that never came,
 * a job deleted while the controller was stopped.
 *
 * <p>It wakes every minute and works when the configured period (global configuration, default 15 minutes) has passed
 * since its last run, so a new period applies without a restart. Its log is the task log "kube-pod-env reconciler"
 * (Manage Jenkins > System Log lists the outcomes too).
 */
@Extension
public final class EnvironmentReconciler extends AsyncPeriodicWork {
    private volatile Instant lastRun = Instant.EPOCH;

    public EnvironmentReconciler() {
        super("kube-pod-env reconciler");
    }

    @Override
    public long getRecurrencePeriod() {
        return MIN;
    }

    @Override
    public long getInitialDelay() {
        return MIN;
    }

    @Override
    protected void execute(TaskListener listener) {
        Duration period = KubePodEnvConfiguration.get().reconcilePeriod();
        Instant now = Instant.now();
        if (Duration.between(lastRun, now).compareTo(period) < 0) {
            return;
        }
        lastRun = now;
        String outcome = reconcileNow(new ProgressListener() {
            @Override
            public void progress(String message) {
                listener.getLogger().println(message);
            }

            @Override
            public void warning(String message) {
                listener.getLogger().println("WARNING: " + message);
            }
        });
        listener.getLogger().println(outcome);
        EnvironmentCleanup.LOGGER.info(() -> "kube-pod-env " + outcome);
    }

    /** One reconciliation now, on the calling thread (tests, and the periodic run). */
    static String reconcileNow(ProgressListener log) {
        return EnvironmentCleanup.get().reconcileAll(log);
    }
}
