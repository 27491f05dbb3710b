package io.kubepodenv.engine.config;

import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.naming.Hashes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Who asks for an environment: a build, described by plain names so that the rules below are tested without the CI
 * system.
 *
 * <p>Builds of one pull request share one environment even when they are different jobs (multibranch creates
 * {@code PR-12}, and some sources also {@code PR-12-merge} and {@code PR-12-head}): the key is the multibranch
 * project, the SCM source and the change id. Any other build's key is its job.
 *
 * @param jobFullName the job's full name ({@code team/app/PR-12})
 * @param projectFullName the multibranch project's full name ({@code team/app}); empty outside multibranch
 * @param sourceId the id of the SCM source that found the job's branch; empty outside multibranch
 * @param changeId the pull request's id ({@code 12}); empty when the build is not for a pull request
 * @param changeUrl the pull request's web address; empty when unknown
 * @param buildUrl the build's web address; empty when unknown
 */
public record BuildIdentity(String jobFullName, String projectFullName, String sourceId, String changeId,
    String changeUrl, String buildUrl) {

    public BuildIdentity {
        jobFullName = Blanks.orEmpty(jobFullName);
        projectFullName = Blanks.orEmpty(projectFullName);
        sourceId = Blanks.orEmpty(sourceId);
        changeId = Blanks.orEmpty(changeId);
        changeUrl = Blanks.orEmpty(changeUrl);
        buildUrl = Blanks.orEmpty(buildUrl);
        if (jobFullName.isEmpty()) {
            throw new InvalidInputException("build: the job's full name is required");
        }
        if (!changeId.isEmpty() && projectFullName.isEmpty()) {
            throw new InvalidInputException("build of " + jobFullName + ": a change id needs the multibranch "
                + "project it belongs to");
        }
    }

    /** A build of a job outside multibranch, or of a branch that is not a pull request. */
    public static BuildIdentity ofJob(String jobFullName, String buildUrl) {
        return new BuildIdentity(jobFullName, "", "", "", "", buildUrl);
    }

    /** A build of pull request {@code changeId} found by {@code sourceId} in multibranch project {@code project}. */
    public static BuildIdentity ofChange(String jobFullName, String project, String sourceId, String changeId,
        String changeUrl, String buildUrl) {
        return new BuildIdentity(jobFullName, project, sourceId, changeId, changeUrl, buildUrl);
    }

    public boolean isPullRequest() {
        return !changeId.isEmpty();
    }

    /**
     * The environment this build uses: {@code change:<project>:<source>:<id>} for a pull request,
     * {@code job:<full name>} otherwise. The kinds never collide ({@code job:a} vs a change of project {@code a}).
     */
    public EnvironmentKey key() {
        if (isPullRequest()) {
            return EnvironmentKey.of("change:" + projectFullName + ":" + sourceId + ":" + changeId);
        }
        return EnvironmentKey.of("job:" + jobFullName);
    }

    /**
     * Keep the environment when the block ends unless told otherwise: yes for a pull request (its next build reuses
     * it, and it is deleted when the pull request closes), no for anything else (nothing would ever delete it).
     */
    public boolean keepByDefault() {
        return isPullRequest();
    }

    /** Annotations recorded on the environment's objects, for people and for the garbage collector. */
    public Map<String, String> attributes() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("job", jobFullName);
        if (isPullRequest()) {
            a.put("change-id", changeId);
            a.put("project", projectFullName);
            if (!sourceId.isEmpty()) {
                a.put("source-id", sourceId);
            }
        }
        Optional.of(changeUrl).filter(u -> !u.isEmpty()).ifPresent(u -> a.put("change-url", u));
        Optional.of(buildUrl).filter(u -> !u.isEmpty()).ifPresent(u -> a.put("build-url", u));
        a.replaceAll((k, v) -> v.length() > 4096 ? v.substring(0, 4096) : v);
        return a;
    }

    /**
     * The keys that builds of an item and of everything inside it produce: for an item named {@code F} (a job, a
     * folder or a multibranch project), {@code job:F}, {@code job:F/...}, {@code change:F:...} and
     * {@code change:F/...}. Used to reconcile just what an item's deletion, or a branch's death, may have orphaned.
     */
    public static Predicate<EnvironmentKey> keysUnder(String itemFullName) {
        if (itemFullName == null || itemFullName.isBlank()) {
            throw new InvalidInputException("item full name: must not be empty");
        }
        String name = itemFullName;
        return key -> {
            String v = key.value();
            return v.equals("job:" + name) || v.startsWith("job:" + name + "/")
                || v.startsWith("change:" + name + ":") || v.startsWith("change:" + name + "/");
        };
    }

    /**
     * The keys of change {@code changeId} of multibranch project {@code projectFullName}, whatever the SCM source. For
     * a job whose branch is already dead the source is no longer known (the CI system forgets it), but a build of it
     * may still be running: this over-approximates its key, which is safe for "is a build of this key running?".
     */
    public static Predicate<EnvironmentKey> keysOfChange(String projectFullName, String changeId) {
        String prefix = "change:" + projectFullName + ":";
        String suffix = ":" + changeId;
        return key -> {
            String v = key.value();
            return v.startsWith(prefix) && v.endsWith(suffix) && v.length() >= prefix.length() + suffix.length();
        };
    }

    /**
     * The owner label value for environments created by one CI controller: {@code jenkins-} and 12 hexadecimal
     * characters of a hash of its identity (the controller's instance id or root URL), so that two controllers
     * sharing a namespace can tell their environments apart.
     */
    public static String controllerOwner(String controllerIdentity) {
        if (controllerIdentity == null || controllerIdentity.isBlank()) {
            throw new InvalidInputException("controller identity: must not be empty");
        }
        return "jenkins-" + Hashes.sha256Hex(controllerIdentity.strip()).substring(0, 12);
    }
}
