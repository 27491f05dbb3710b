package io.jenkins.plugins.kubepodenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import hudson.model.FreeStyleBuild;
import hudson.model.FreeStyleProject;
import hudson.model.Label;
import hudson.model.Result;
import hudson.remoting.Channel;
import hudson.slaves.DumbSlave;
import hudson.tasks.Shell;
import hudson.util.RemotingDiagnostics;
import io.kubepodenv.engine.ProgressListener;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import jenkins.security.MasterToSlaveCallable;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.test.steps.SemaphoreStep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * Real environments on the local control plane, used from builds on a real agent (a separate JVM over remoting): the
 * agent-side tunnel, the real docker command line through it, reuse, the freestyle wrapper, abort and a lost agent.
 * After each test nothing of ours is left in the test's namespace.
 */
@WithJenkins
class AgentClusterTest {
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
    void aPipelineOnAnAgentRunsDockerThroughTheAgentsTunnelAndTheNextBuildReusesTheEnvironment(JenkinsRule j)
        throws Exception {
        cluster.configure(j.jenkins);
        j.createOnlineSlave(Label.get("remote"));
        WorkflowJob p = j.createProject(WorkflowJob.class, "app");
        p.setDefinition(new CpsFlowDefinition("node('remote') {\n"
            + "  withKubePodEnv(keep: true) {\n"
            + "    sh 'docker version && docker run --rm " + cluster.image + " echo hello-from-the-pod'\n"
            + "  }\n"
            + "}", true));

        WorkflowRun first = j.buildAndAssertSuccess(p);
        j.assertLogContains("ms: DOCKER_HOST=tcp://127.0.0.1:", first);
        j.assertLogContains("hello-from-the-pod", first);
        WorkflowRun second = j.buildAndAssertSuccess(p);
        j.assertLogContains("(reused)", second);
        j.assertLogContains("hello-from-the-pod", second);
        assertEquals(1, cluster.dockerHosts().size(), "one environment for the job's builds");

        p.delete();
        cluster.awaitNothingLeft("deleting the job deletes its kept environment");
    }

    @Test
    void theFreestyleBuildEnvironmentGivesTheBuildDockerOnItsAgentAndDeletesTheEnvironmentAfterwards(JenkinsRule j)
        throws Exception {
        cluster.configure(j.jenkins);
        DumbSlave agent = j.createOnlineSlave();
        FreeStyleProject p = j.createFreeStyleProject("freestyle");
        p.setAssignedNode(agent);
        p.getBuildWrappersList().add(new KubePodEnvBuildWrapper());
        p.getBuildersList().add(new Shell("docker run --rm " + cluster.image + " echo hello-from-freestyle"));

        FreeStyleBuild b = j.buildAndAssertSuccess(p);

        j.assertLogContains("tunnel open on the agent", b);
        j.assertLogContains("hello-from-freestyle", b);
        j.assertLogContains("deleted", b);
        cluster.awaitNothingLeft("a job's environment that is not kept is deleted at the end of the build");
    }

    @Test
    void aBuildAbortedWhileProvisioningLeavesNothingBehind(JenkinsRule j) throws Exception {
        cluster.configure(j.jenkins);
        // A claim of a storage class nobody provides stays Pending, and so does the pod: provisioning waits.
        KubePodEnvConfiguration.get().getSettings().setStorageClass("nobody-provides-this");
        KubePodEnvConfiguration.get().getSettings().setReadyTimeout("10m");
        WorkflowJob p = j.createProject(WorkflowJob.class, "aborted");
        p.setDefinition(new CpsFlowDefinition("node { withKubePodEnv { echo 'never' } }", true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        LocalCluster.await(() -> !cluster.dockerHosts().isEmpty(), "provisioning has applied the environment");

        b.doStop();

        j.assertBuildStatus(Result.ABORTED, j.waitForCompletion(b));
        j.assertLogNotContains("never", b);
        cluster.awaitNothingLeft("an aborted provisioning deletes what it applied");
    }

    @Test
    void theAgentsSystemInformationCanBeReadWhileATunnelIsOpen(JenkinsRule j) throws Exception {
        cluster.configure(j.jenkins);
        DumbSlave agent = j.createOnlineSlave(Label.get("remote"));
        WorkflowJob p = j.createProject(WorkflowJob.class, "info");
        p.setDefinition(new CpsFlowDefinition("node('remote') { withKubePodEnv { semaphore 'inside' } }", true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        SemaphoreStep.waitForStart("inside/1", b);

        Map<Object, Object> properties = RemotingDiagnostics.getSystemProperties(agent.getChannel());

        assertFalse(properties.isEmpty(), "the agent's system properties, as its System Information page shows them");
        SemaphoreStep.success("inside/1", null);
        j.assertBuildStatusSuccess(j.waitForCompletion(b));
        cluster.awaitNothingLeft("the environment is deleted at the end of the block");
    }

    @Test
    void anAgentLostDuringTheBlockStillLetsTheReleaseDeleteTheEnvironment(JenkinsRule j) throws Exception {
        cluster.configure(j.jenkins);
        DumbSlave agent = j.createOnlineSlave(Label.get("lost"));
        WorkflowJob p = j.createProject(WorkflowJob.class, "lost");
        p.setDefinition(new CpsFlowDefinition("node('lost') { withKubePodEnv { semaphore 'inside' } }", true));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        SemaphoreStep.waitForStart("inside/1", b);

        j.jenkins.removeNode(agent);
        SemaphoreStep.success("inside/1", null);
        j.waitForCompletion(b);

        cluster.awaitNothingLeft("the release runs without the agent");
        j.assertLogContains("deleted", b);
    }

    @Test
    void syncFromTheGlobalDefaultMirrorsTheWorkspaceForBindMountsAndSyncBackBringsWhatAContainerWrote(JenkinsRule j) throws Exception {
        cluster.configure(j.jenkins);
        // The agent's workspace is where the Docker daemon sees only an empty mount: what a container finds there
        // can only have come from the sync.
        DumbSlave agent = new DumbSlave("synced", cluster.directoryHiddenFromTheDaemon().toString(),
            j.createComputerLauncher(null));
        agent.setLabelString("synced");
        j.jenkins.addNode(agent);
        j.waitOnline(agent);
        KubePodEnvConfiguration.get().getSettings().setSync(true); // the global default; the block inherits it
        WorkflowJob p = j.createProject(WorkflowJob.class, "synced");
        p.setDefinition(new CpsFlowDefinition("node('synced') {\n"
            + "  writeFile file: 'src/hello.txt', text: 'hello-from-the-workspace'\n"
            + "  withKubePodEnv(syncBack: ['out']) {\n"
            + "    sh 'docker run --rm -v \"$PWD/src:/src:ro\" -v \"$PWD/out:/out\" " + cluster.image
            + " sh -c \"cat /src/hello.txt; tr a-z A-Z < /src/hello.txt > /out/upper.txt\"'\n"
            + "  }\n"
            + "  echo \"back on the agent: ${readFile 'out/upper.txt'}\"\n"
            + "}", true));

        WorkflowRun b = j.buildAndAssertSuccess(p);

        j.assertLogContains("hello-from-the-workspace", b);
        j.assertLogContains("back on the agent: HELLO-FROM-THE-WORKSPACE", b);
        cluster.awaitNothingLeft("the environment is deleted at the end of the block");
    }

    @Test
    void theReconcilerPutsAnIdleEnvironmentToSleepAndTheNextBuildWakesIt(JenkinsRule j) throws Exception {
        cluster.configure(j.jenkins);
        KubePodEnvConfiguration.get().getSettings().setSleepAfter("1m"); // the shortest allowed
        j.createOnlineSlave(Label.get("remote"));
        WorkflowJob p = j.createProject(WorkflowJob.class, "sleepy");
        p.setDefinition(new CpsFlowDefinition("node('remote') {\n"
            + "  withKubePodEnv(keep: true) { sh 'docker run --rm " + cluster.image + " echo docker-answers' }\n"
            + "}", true));
        j.buildAndAssertSuccess(p);
        Instant used = Instant.now();
        String early = EnvironmentCleanup.get().reconcileAll(ProgressListener.NONE);
        assertTrue(early.contains(" 0 idle"), "used a moment ago, it stays awake: " + early);

        LocalCluster.await(() -> Duration.between(used, Instant.now()).compareTo(Duration.ofSeconds(65)) > 0,
            "a minute without a build");
        String outcome = EnvironmentCleanup.get().reconcileAll(ProgressListener.NONE);

        assertTrue(outcome.contains(" 1 idle"), outcome);
        LocalCluster.await(() -> cluster.managedObjects().stream().noneMatch(o -> o.startsWith("Pod/")),
            "asleep: its pod is gone");
        assertTrue(cluster.managedObjects().stream().anyMatch(o -> o.startsWith("PersistentVolumeClaim/")),
            "asleep, it keeps its claim: " + cluster.managedObjects());
        String page = j.createWebClient().goTo("manage/kube-pod-env").asNormalizedText();
        assertTrue(page.contains("job:sleepy") && page.contains("sleeping"), "the environments page: " + page);
        WorkflowRun woken = j.buildAndAssertSuccess(p);
        j.assertLogContains("waking environment", woken);
        j.assertLogContains("docker-answers", woken);
        p.delete();
        cluster.awaitNothingLeft("deleting the job deletes its sleeping-then-woken environment");
    }

    @Test
    void theFirstTunnelOnAFreshAgentLoadsNoKubernetesClientThere(JenkinsRule j) throws Exception {
        cluster.configure(j.jenkins);
        DumbSlave agent = j.createOnlineSlave(Label.get("fresh"));
        WorkflowJob warmUp = j.createProject(WorkflowJob.class, "warm-up");
        warmUp.setDefinition(new CpsFlowDefinition("node('fresh') { sh 'true' }", true));
        j.buildAndAssertSuccess(warmUp); // what any build loads on an agent (sh, durable tasks) is not ours
        WorkflowJob p = j.createProject(WorkflowJob.class, "first-tunnel");
        p.setDefinition(new CpsFlowDefinition("node('fresh') { withKubePodEnv { sh 'docker version' } }", true));
        int[] before = agent.getChannel().call(new RemoteClassLoading());

        WorkflowRun b = j.buildAndAssertSuccess(p);

        int[] after = agent.getChannel().call(new RemoteClassLoading());
        int classes = after[0] - before[0];
        int millis = after[1] - before[1];
        System.out.println("first tunnel on a fresh agent: " + classes + " classes loaded over the channel in "
            + millis + " ms; " + JenkinsRule.getLog(b).lines().filter(l -> l.contains("tunnel open on the agent")).findFirst()
                .orElse("(no tunnel line)"));
        // A Kubernetes client on the agent costs about 5,000 classes; the tunnel alone, a few dozen.
        assertTrue(classes < 400, "classes the block loaded on the agent over its channel: " + classes);
        cluster.awaitNothingLeft("the environment is deleted at the end of the block");
    }

    /** The agent's count of classes loaded from the controller, and the milliseconds spent loading them. */
    private static final class RemoteClassLoading extends MasterToSlaveCallable<int[], RuntimeException> {
        private static final long serialVersionUID = 1L;

        @Override
        public int[] call() {
            Channel channel = Channel.currentOrFail();
            return new int[] {channel.classLoadingCount.get(), (int) (channel.classLoadingTime.get() / 1_000_000)};
        }
    }
}
