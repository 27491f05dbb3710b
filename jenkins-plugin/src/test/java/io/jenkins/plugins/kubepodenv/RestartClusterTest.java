package io.jenkins.plugins.kubepodenv;

import hudson.model.Label;
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
 * A controller restart in the middle of a block that runs on a real agent, against the local control plane: the agent
 * comes back (its JVM is new), the block's DOCKER_HOST works again on the same port, and the release at the end
 * deletes the environment.
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
}
