package io.jenkins.plugins.kubepodenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import hudson.model.Label;
import io.kubepodenv.engine.tunnel.DetachedTunnels;
import java.time.Duration;
import java.util.List;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.test.steps.SemaphoreStep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.junit.jupiter.BuildWatcherExtension;
import org.jvnet.hudson.test.junit.jupiter.JenkinsSessionExtension;

/**
 * A controller restart in the middle of a block, against the local control plane: on a real agent (its JVM is new
 * when it comes back) and on the built-in node, the block's DOCKER_HOST works again on the same port, and the release
 * at the end deletes the environment.
 */
class RestartClusterTest {
    @RegisterExtension
    private static final BuildWatcherExtension BUILD_WATCHER = new BuildWatcherExtension();

    @RegisterExtension
    private final JenkinsSessionExtension sessions = new JenkinsSessionExtension();

    private LocalCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = LocalCluster.start();
    }

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    @Test
    void afterAControllerRestartTheBlocksDockerHostWorksAgainAndTheReleaseDeletesTheEnvironment() throws Throwable {
        String image = cluster.image;
        sessions.then(j -> {
            cluster.configure(j.jenkins);
            j.createOnlineSlave(Label.get("remote"));
            WorkflowJob p = j.createProject(WorkflowJob.class, "p");
            p.setDefinition(new CpsFlowDefinition("node('remote') {\n"
                + "  withKubePodEnv {\n"
                + "    sh 'docker run --rm " + image + " echo before-the-restart'\n"
                + "    semaphore 'inside'\n"
                + "    sh 'echo \"host=$DOCKER_HOST\"; docker run --rm " + image + " echo after-the-restart'\n"
                + "  }\n"
                + "}", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            SemaphoreStep.waitForStart("inside/1", b);
            j.assertLogContains("before-the-restart", b);
        });
        sessions.then(j -> {
            WorkflowRun b = j.jenkins.getItemByFullName("p", WorkflowJob.class).getBuildByNumber(1);
            SemaphoreStep.success("inside/1", null);
            j.assertBuildStatusSuccess(j.waitForCompletion(b));
            j.assertLogContains("after-the-restart", b);
            j.assertLogContains("environment '", b);
            cluster.awaitNothingLeft("the release after the restart deletes the environment");
        });
    }

    @Test
    void onTheBuiltInNodeATunnelGoneWithTheOldJvmIsOpenedAgainBeforeTheBlockResumes() throws Throwable {
        String image = cluster.image;
        sessions.then(j -> {
            cluster.configure(j.jenkins);
            WorkflowJob p = j.createProject(WorkflowJob.class, "p");
            p.setDefinition(new CpsFlowDefinition("node('built-in') {\n"
                + "  withKubePodEnv {\n"
                + "    sh 'docker run --rm " + image + " echo before-the-restart'\n"
                + "    semaphore 'inside'\n"
                + "    sh 'docker run --rm " + image + " echo after-the-restart'\n"
                + "  }\n"
                + "}", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            SemaphoreStep.waitForStart("inside/1", b);
            j.assertLogContains("before-the-restart", b);
            // The restart happens in this JVM, whose threads survive it: close the tunnel as a new JVM would not have it.
            List<EnvironmentLease.Lease> open = b.getAction(EnvironmentLease.OpenTunnels.class)
                .on(j.jenkins.toComputer());
            assertEquals(1, open.size(), "the build recorded its tunnel on the built-in node");
            assertTrue(DetachedTunnels.close(open.get(0).tunnel.id, Duration.ofSeconds(30)));
        });
        sessions.then(j -> {
            WorkflowRun b = j.jenkins.getItemByFullName("p", WorkflowJob.class).getBuildByNumber(1);
            SemaphoreStep.success("inside/1", null);
            j.assertBuildStatusSuccess(j.waitForCompletion(b));
            j.assertLogContains("after-the-restart", b);
            cluster.awaitNothingLeft("the release after the restart deletes the environment");
        });
    }
}
