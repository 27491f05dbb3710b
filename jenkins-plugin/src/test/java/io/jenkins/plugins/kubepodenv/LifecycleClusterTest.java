package io.jenkins.plugins.kubepodenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudbees.hudson.plugins.folder.computed.DefaultOrphanedItemStrategy;
import hudson.Util;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import jenkins.branch.BranchSource;
import jenkins.scm.api.mixin.ChangeRequestCheckoutStrategy;
import jenkins.scm.impl.mock.MockSCMController;
import jenkins.scm.impl.mock.MockSCMDiscoverBranches;
import jenkins.scm.impl.mock.MockSCMDiscoverChangeRequests;
import jenkins.scm.impl.mock.MockSCMSource;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject;
import org.jenkinsci.plugins.workflow.test.steps.SemaphoreStep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.BuildWatcherExtension;
import org.jvnet.hudson.test.junit.jupiter.JenkinsSessionExtension;

/**
 * The pull-request lifecycle on the local control plane: a pull request's jobs share one environment, which is deleted
 * (claims included) when they become dead; a build that runs defers the deletion to its end; a job deleted while the
 * controller was stopped is cleaned up by the reconciler after the restart. After each test nothing of ours is left.
 */
class LifecycleClusterTest {
    @RegisterExtension
    private static final BuildWatcherExtension BUILD_WATCHER = new BuildWatcherExtension();

    @RegisterExtension
    private final JenkinsSessionExtension sessions = new JenkinsSessionExtension();

    private LocalCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = LocalCluster.start();
    }

    /** The leak audit: no object of a kind we create is left with our managed-by label. */
    @AfterEach
    void nothingOfOursIsLeft() throws Exception {
        try {
            cluster.awaitNothingLeft("objects left with " + ObjectLabels.MANAGED_BY);
        } finally {
            cluster.close();
        }
    }

    @Test
    void aPullRequestsJobsShareOneEnvironmentWhichGoesWhenThePullRequestCloses() throws Throwable {
        sessions.then(j -> {
            configure(j);
            try (MockSCMController scm = MockSCMController.create()) {
                scm.createRepository("repo");
                scm.addFile("repo", "master", "Jenkinsfile", "Jenkinsfile", jenkinsfile("echo 'built'"));
                Integer pr = scm.openChangeRequest("repo", "master");
                WorkflowMultiBranchProject mp = j.jenkins.createProject(WorkflowMultiBranchProject.class, "app");
                mp.getSourcesList().add(new BranchSource(new MockSCMSource(scm, "repo", new MockSCMDiscoverBranches(),
                    new MockSCMDiscoverChangeRequests(ChangeRequestCheckoutStrategy.HEAD,
                        ChangeRequestCheckoutStrategy.MERGE))));
                // Keep dead branch jobs: the environment must go when they become dead, not only when deleted.
                mp.setOrphanedItemStrategy(new DefaultOrphanedItemStrategy(false, "", ""));
                index(j, mp);
                WorkflowJob head = mp.getItem("CR-" + pr + "-head");
                WorkflowJob merge = mp.getItem("CR-" + pr + "-merge");
                j.assertBuildStatusSuccess(head.getLastBuild());
                j.assertBuildStatusSuccess(merge.getLastBuild());
                String headId = idIn(head.getLastBuild());
                assertEquals(headId, idIn(merge.getLastBuild()), "one environment for both jobs of the pull request");
                assertEquals(1, dockerHosts().size(), "master's environment is deleted at the end of its block");
                String key = dockerHosts().get(0).getMetadata().getAnnotations().get(ObjectLabels.KEY_ANNOTATION);
                assertTrue(key.startsWith("change:app:") && key.endsWith(":" + pr), key);
                assertTrue(attribute(dockerHosts().get(0), "job").startsWith("app/CR-" + pr + "-"),
                    "the unshortened job name is recorded");

                // A rebuild reuses it.
                j.assertBuildStatusSuccess(head.scheduleBuild2(0));
                assertEquals(headId, idIn(head.getLastBuild()));

                scm.closeChangeRequest("repo", pr);
                index(j, mp);
                assertTrue(JobKeys.isDead(head) && JobKeys.isDead(merge), "branch-api marked the jobs dead");
                await(() -> dockerHosts().isEmpty(), "the closed pull request's environment is deleted");
                await(() -> managedObjects().isEmpty(), "every object of it, claims included");
            }
        });
    }

    @Test
    void aRunningBuildDefersTheDeletionToItsEnd() throws Throwable {
        sessions.then(j -> {
            configure(j);
            try (MockSCMController scm = MockSCMController.create()) {
                scm.createRepository("repo");
                scm.addFile("repo", "master", "Jenkinsfile", "Jenkinsfile",
                    jenkinsfile("if (env.CHANGE_ID) { semaphore 'inside' }"));
                Integer pr = scm.openChangeRequest("repo", "master");
                WorkflowMultiBranchProject mp = j.jenkins.createProject(WorkflowMultiBranchProject.class, "app");
                mp.getSourcesList().add(new BranchSource(new MockSCMSource(scm, "repo", new MockSCMDiscoverBranches(),
                    new MockSCMDiscoverChangeRequests(ChangeRequestCheckoutStrategy.HEAD))));
                mp.setOrphanedItemStrategy(new DefaultOrphanedItemStrategy(false, "", ""));
                mp.scheduleBuild2(0).getFuture().get();
                WorkflowJob job = mp.getItem("CR-" + pr);
                await(() -> job.getLastBuild() != null, "the pull request's build starts");
                WorkflowRun b = job.getLastBuild();
                SemaphoreStep.waitForStart("inside/1", b);
                EnvironmentKey key = dockerHosts().stream()
                    .map(h -> EnvironmentKey.of(h.getMetadata().getAnnotations().get(ObjectLabels.KEY_ANNOTATION)))
                    .filter(k -> k.value().startsWith("change:")).findFirst().orElseThrow();

                scm.closeChangeRequest("repo", pr);
                mp.scheduleBuild2(0).getFuture().get();
                await(() -> EnvironmentCleanup.get().isDeferred(key), "the deletion is deferred");
                assertTrue(dockerHosts().stream().anyMatch(h -> key.value().equals(h.getMetadata().getAnnotations()
                    .get(ObjectLabels.KEY_ANNOTATION))), "never deleted under a running build");

                SemaphoreStep.success("inside/1", null);
                j.assertBuildStatusSuccess(j.waitForCompletion(b));
                j.waitUntilNoActivity();
                await(() -> dockerHosts().isEmpty(), "deleted right after the build ended");
                assertFalse(EnvironmentCleanup.get().isDeferred(key));
            }
        });
    }

    @Test
    void aJobDeletedWhileTheControllerWasStoppedIsCleanedUpAfterTheRestart() throws Throwable {
        File[] jobDir = new File[1];
        sessions.then(j -> {
            configure(j);
            WorkflowJob p = j.createProject(WorkflowJob.class, "kept");
            p.setDefinition(new CpsFlowDefinition("node { withKubePodEnv(connectionMode: 'direct', keep: true) { "
                + "echo 'hello' } }", true));
            j.buildAndAssertSuccess(p);
            assertEquals(1, dockerHosts().size(), "kept after the block");
            // The reconciler leaves an environment whose job exists alone.
            EnvironmentCleanup.get().reconcileAll(ProgressListener.NONE);
            assertEquals(1, dockerHosts().size());
            jobDir[0] = p.getRootDir();
        });
        // Jenkins is stopped: the job disappears without any event.
        Util.deleteRecursive(jobDir[0]);
        sessions.then(j -> {
            assertEquals(null, j.jenkins.getItemByFullName("kept"));
            assertEquals(1, dockerHosts().size(), "still there: nothing saw the job go");
            String outcome = EnvironmentCleanup.get().reconcileAll(ProgressListener.NONE);
            assertTrue(outcome.contains("1 deleted"), outcome);
            await(() -> dockerHosts().isEmpty(), "the orphan is deleted by the reconciler");
        });
    }

    @Test
    void deletingAJobDeletesItsKeptEnvironment() throws Throwable {
        sessions.then(j -> {
            configure(j);
            WorkflowJob p = j.createProject(WorkflowJob.class, "kept");
            p.setDefinition(new CpsFlowDefinition("node { withKubePodEnv(connectionMode: 'direct', keep: true) { "
                + "echo 'hello' } }", true));
            j.buildAndAssertSuccess(p);
            assertEquals(1, dockerHosts().size());
            p.delete();
            await(() -> dockerHosts().isEmpty(), "deleted with its job");
        });
    }

    private void configure(JenkinsRule j) throws Exception {
        cluster.configure(j.jenkins);
    }

    private static byte[] jenkinsfile(String inside) {
        return ("node { withKubePodEnv(connectionMode: 'direct') { echo \"id=${env.KUBE_POD_ENV_ID}\"; " + inside
            + " } }").getBytes(StandardCharsets.UTF_8);
    }

    private static void index(JenkinsRule j, WorkflowMultiBranchProject mp) throws Exception {
        mp.scheduleBuild2(0).getFuture().get();
        j.waitUntilNoActivity();
    }

    private static String idIn(WorkflowRun b) throws Exception {
        String log = JenkinsRule.getLog(b);
        int at = log.indexOf("id=");
        assertTrue(at >= 0, log);
        return log.substring(at + 3, log.indexOf('\n', at)).strip();
    }

    private static String attribute(GenericKubernetesResource sts, String name) {
        return sts.getMetadata().getAnnotations().get(ObjectLabels.ATTRIBUTE_PREFIX + name);
    }

    private List<GenericKubernetesResource> dockerHosts() {
        return cluster.dockerHosts();
    }

    private List<String> managedObjects() {
        return cluster.managedObjects();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        LocalCluster.await(condition, what);
    }
}
