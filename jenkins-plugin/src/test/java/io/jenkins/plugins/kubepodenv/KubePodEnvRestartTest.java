package io.jenkins.plugins.kubepodenv;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.domains.Domain;
import hudson.util.Secret;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.test.steps.SemaphoreStep;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.BuildWatcherExtension;
import org.jvnet.hudson.test.junit.jupiter.JenkinsSessionExtension;

/**
 * A build with an environment survives a controller restart in the middle of its block: the block's DOCKER_HOST is
 * still set after the restart, and the release at the end runs (here: deletes the environment, keep: false).
 * Direct mode, so no agent-side tunnel is needed against the mock API server.
 */
class KubePodEnvRestartTest {
    @RegisterExtension
    private static final BuildWatcherExtension BUILD_WATCHER = new BuildWatcherExtension();

    @RegisterExtension
    private final JenkinsSessionExtension sessions = new JenkinsSessionExtension();

    private static KubernetesMockServer server;
    private static FakeStatefulSetController controller;

    @BeforeAll
    static void startCluster() {
        server = new KubernetesMockServer(true);
        server.init();
        controller = new FakeStatefulSetController(server.createClient(), "ci");
    }

    @AfterAll
    static void stopCluster() {
        controller.close();
        server.destroy();
    }

    @Test
    void aRunningBlockSurvivesARestart() throws Throwable {
        sessions.then(j -> {
            CredentialsProvider.lookupStores(j.jenkins).iterator().next().addCredentials(Domain.global(),
                new StringCredentialsImpl(CredentialsScope.GLOBAL, "k8s-token", "", Secret.fromString("t0ken")));
            KubePodEnvSettings s = new KubePodEnvSettings();
            s.setServerUrl(server.url("/"));
            s.setCredentialsId("k8s-token");
            s.setNamespace("ci");
            s.setServerSideApply(false);
            KubePodEnvConfiguration.get().setSettings(s);
            WorkflowJob p = j.createProject(WorkflowJob.class, "p");
            p.setDefinition(new CpsFlowDefinition("node {\n"
                + "  withKubePodEnv(connectionMode: 'direct', keep: false) {\n"
                + "    semaphore 'wait'\n"
                + "    echo \"host=${env.DOCKER_HOST} tls=[${env.DOCKER_TLS_VERIFY ?: ''}]\"\n"
                + "  }\n"
                + "}", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            SemaphoreStep.waitForStart("wait/1", b);
        });
        sessions.then(j -> {
            WorkflowRun b = j.jenkins.getItemByFullName("p", WorkflowJob.class).getBuildByNumber(1);
            SemaphoreStep.success("wait/1", null);
            j.assertBuildStatusSuccess(j.waitForCompletion(b));
            j.assertLogContains("host=tcp://" + FakeStatefulSetController.POD_IP + ":2375 tls=[]", b);
            j.assertLogContains("deleted", b);
            j.assertLogNotContains("t0ken", b);
        });
    }

    @Test
    void theBlockSeesDockerHostAndTheEnvironmentsIdentity() throws Throwable {
        sessions.then((JenkinsRule j) -> {
            CredentialsProvider.lookupStores(j.jenkins).iterator().next().addCredentials(Domain.global(),
                new StringCredentialsImpl(CredentialsScope.GLOBAL, "k8s-token", "", Secret.fromString("t0ken")));
            KubePodEnvSettings s = new KubePodEnvSettings();
            s.setServerUrl(server.url("/"));
            s.setCredentialsId("k8s-token");
            s.setNamespace("ci");
            s.setServerSideApply(false);
            KubePodEnvConfiguration.get().setSettings(s);
            WorkflowJob p = j.createProject(WorkflowJob.class, "q");
            p.setDefinition(new CpsFlowDefinition("node {\n"
                + "  withEnv(['DOCKER_TLS_VERIFY=1', 'DOCKER_CERT_PATH=/nowhere']) {\n"
                + "    withKubePodEnv(connectionMode: 'direct') {\n"
                + "      echo \"host=${env.DOCKER_HOST} ns=${env.KUBE_POD_ENV_NAMESPACE} id=${env.KUBE_POD_ENV_ID}\"\n"
                + "      echo \"tls=[${env.DOCKER_TLS_VERIFY ?: ''}] certs=[${env.DOCKER_CERT_PATH ?: ''}]\"\n"
                + "    }\n"
                + "  }\n"
                + "}", true));
            WorkflowRun b = j.buildAndAssertSuccess(p);
            j.assertLogContains("host=tcp://" + FakeStatefulSetController.POD_IP + ":2375 ns=ci id=", b);
            j.assertLogContains("tls=[] certs=[]", b);
            j.assertLogContains("ready in ", b);
        });
    }
}
