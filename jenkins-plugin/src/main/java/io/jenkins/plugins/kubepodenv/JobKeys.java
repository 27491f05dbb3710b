package io.jenkins.plugins.kubepodenv;

import hudson.model.Item;
import hudson.model.ItemGroup;
import hudson.model.Job;
import hudson.model.Run;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.config.BuildIdentity;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import jenkins.branch.Branch;
import jenkins.branch.BranchProjectFactory;
import jenkins.branch.MultiBranchProject;
import jenkins.model.Jenkins;
import jenkins.scm.api.SCMHead;
import jenkins.scm.api.SCMSource;
import jenkins.scm.api.mixin.ChangeRequestSCMHead;

/**
 * Which environment keys Jenkins' jobs produce, which of them are alive and which have a running build. Callers run
 * as SYSTEM (background work), so that no job is hidden by permissions.
 */
final class JobKeys {
    private JobKeys() {
    }

    /**
     * A job's identity. The pull request comes from the SCM API (never from variables a Jenkinsfile could set); only
     * the descriptive URLs are passed in.
     */
    static BuildIdentity identityOf(Job<?, ?> job, String changeUrl, String buildUrl) {
        SCMHead head = SCMHead.HeadByItem.findHead(job);
        if (head instanceof ChangeRequestSCMHead change) {
            SCMSource source = SCMSource.SourceByItem.findSource(job);
            return BuildIdentity.ofChange(job.getFullName(), job.getParent().getFullName(),
                source == null ? "" : source.getId(), change.getId(), changeUrl, buildUrl);
        }
        return BuildIdentity.ofJob(job.getFullName(), buildUrl);
    }

    /**
     * Whether branch-api marked the job's branch dead (its pull request was closed or its branch deleted; the job
     * stays until the orphaned-item strategy removes it, or for ever when pruning is off).
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static boolean isDead(Job<?, ?> job) {
        ItemGroup<?> parent = job.getParent();
        if (!(parent instanceof MultiBranchProject project)) {
            return false;
        }
        BranchProjectFactory factory = project.getProjectFactory();
        if (factory == null || !factory.isProject(job)) {
            return false;
        }
        Branch branch = factory.getBranch((Job) factory.asProject(job));
        return branch instanceof Branch.Dead;
    }

    /**
     * The keys a running build of {@code job} may use. A dead branch no longer knows its SCM source, so for it every
     * source's key of its change matches (safe: a busy key is only deferred, never deleted).
     */
    static Predicate<EnvironmentKey> keysUsedBy(Job<?, ?> job) {
        if (isDead(job)) {
            SCMHead head = SCMHead.HeadByItem.findHead(job);
            if (head instanceof ChangeRequestSCMHead change) {
                return BuildIdentity.keysOfChange(job.getParent().getFullName(), change.getId());
            }
        }
        EnvironmentKey key = identityOf(job, "", "").key();
        return key::equals;
    }

    /** Whether a build of {@code job} is running (the newest, or any older one still in progress). */
    static boolean isBuilding(Job<?, ?> job) {
        Run<?, ?> last = job.getLastBuild();
        return last != null && (last.isBuilding() || last.getPreviousBuildInProgress() != null);
    }

    private static boolean isBuildingOtherThan(Job<?, ?> job, Run<?, ?> except) {
        if (except == null) {
            return isBuilding(job);
        }
        Run<?, ?> r = job.getLastBuild();
        if (r != null && !r.isBuilding()) {
            r = r.getPreviousBuildInProgress();
        }
        while (r != null) {
            if (r != except && r.isBuilding()) {
                return true;
            }
            r = r.getPreviousBuildInProgress();
        }
        return false;
    }

    /** Every build in progress. */
    static List<Run<?, ?>> runningBuilds() {
        List<Run<?, ?>> running = new ArrayList<>();
        for (Job<?, ?> job : Jenkins.get().allItems(Job.class)) {
            for (Run<?, ?> r = job.getLastBuild(); r != null; r = r.getPreviousBuildInProgress()) {
                if (r.isBuilding()) {
                    running.add(r);
                }
            }
        }
        return running;
    }

    /** What Jenkins' jobs say about environment keys at one moment. */
    record Snapshot(Set<EnvironmentKey> liveKeys, List<Predicate<EnvironmentKey>> running) {
        boolean busy(EnvironmentKey key) {
            return running.stream().anyMatch(p -> p.test(key));
        }
    }

    /**
     * Walks every job once: the key of each job that exists and is not dead is alive; the keys of jobs with a running
     * build are busy.
     *
     * @param excluded an item being deleted (it and everything inside it count as gone); null: none
     */
    static Snapshot snapshot(Item excluded) {
        Set<EnvironmentKey> live = new HashSet<>();
        List<Predicate<EnvironmentKey>> running = new ArrayList<>();
        String gone = excluded == null ? null : excluded.getFullName();
        for (Job<?, ?> job : Jenkins.get().allItems(Job.class)) {
            String name = job.getFullName();
            if (gone != null && (name.equals(gone) || name.startsWith(gone + "/"))) {
                continue;
            }
            try {
                if (isBuilding(job)) {
                    running.add(keysUsedBy(job));
                }
                if (!isDead(job)) {
                    live.add(identityOf(job, "", "").key());
                }
            } catch (RuntimeException e) {
                // A job whose identity cannot be computed produces no environment either; it is left out.
                EnvironmentCleanup.LOGGER.log(java.util.logging.Level.FINE, "kube-pod-env: skipping " + name, e);
            }
        }
        return new Snapshot(live, running);
    }

    /** Whether a build that may use {@code key} is running: one walk over the jobs, for occasional questions. */
    static boolean isBusy(EnvironmentKey key) {
        return isBusyExcept(key, null);
    }

    /** Like {@link #isBusy(EnvironmentKey)}, not counting {@code except} (the build asking). */
    static boolean isBusyExcept(EnvironmentKey key, Run<?, ?> except) {
        for (Job<?, ?> job : Jenkins.get().allItems(Job.class)) {
            try {
                if (isBuildingOtherThan(job, except) && keysUsedBy(job).test(key)) {
                    return true;
                }
            } catch (RuntimeException e) {
                // as in snapshot(): such a job has no environment
            }
        }
        return false;
    }
}
