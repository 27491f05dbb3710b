package io.jenkins.plugins.kubepodenv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.domains.Domain;
import hudson.model.Result;
import hudson.util.Secret;
import jenkins.model.Jenkins;
import jenkins.security.QueueItemAuthenticatorConfiguration;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.cps.SnippetizerTester;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.CoreWrapperStep;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;
import org.jvnet.hudson.test.MockQueueItemAuthenticator;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

@WithJenkins
class KubePodEnvBlockTest {

    @Test
    void theBlockIsWrittenAsWithKubePodEnvInPipeline(JenkinsRule j) throws Exception {
        SnippetizerTester st = new SnippetizerTester(j);
        st.assertRoundTrip(new CoreWrapperStep(new KubePodEnvBuildWrapper()), "withKubePodEnv {\n    // some block\n}");
        KubePodEnvBuildWrapper block = new KubePodEnvBuildWrapper();
        block.setStorageSize(10.0);
        block.setKeep(false);
        block.setConnectionMode("direct");
        st.assertRoundTrip(new CoreWrapperStep(block), "withKubePodEnv(connectionMode: 'direct', keep: false, "
            + "storageSize: 10.0) {\n    // some block\n}");
    }

    @Test
    void everyParameterSurvivesTheSnippetGenerator(JenkinsRule j) throws Exception {
        new SnippetizerTester(j).assertGenerateSnippet("{'stapler-class': '" + KubePodEnvBuildWrapper.class.getName()
            + "', 'namespace': 'ci', 'storageClass': 'fast', 'storageSize': '12.5', 'serverSideApply': 'false', "
            + "'readyTimeout': '5m', 'connectionMode': 'tunnel', 'keep': 'true'}",
            "withKubePodEnv(connectionMode: 'tunnel', keep: true, namespace: 'ci', readyTimeout: '5m', "
            + "serverSideApply: false, storageClass: 'fast', storageSize: 12.5) {\n    // some block\n}", null);
    }

    @Test
    void directModeNeedsNoNode(JenkinsRule j) throws Exception {
        configureCluster("k8s-token");
        WorkflowJob p = j.createProject(WorkflowJob.class, "outside-node");
        p.setDefinition(new CpsFlowDefinition("withKubePodEnv(connectionMode: 'direct') { echo 'never' }", true));
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        // It got past the missing workspace to the credential lookup.
        j.assertLogContains("credentials 'k8s-token' (configured in the global configuration) were not found", b);
    }

    @Test
    void theTunnelModeOutsideANodeSaysToUseANode(JenkinsRule j) throws Exception {
        configureCluster("k8s-token");
        WorkflowJob p = j.createProject(WorkflowJob.class, "tunnel-outside-node");
        p.setDefinition(new CpsFlowDefinition("withKubePodEnv { echo 'never' }", true));
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        j.assertLogContains("use withKubePodEnv inside node { }", b);
        j.assertLogNotContains("never", b);
    }

    @Test
    void aNumericStorageSizeIsAccepted(JenkinsRule j) throws Exception {
        WorkflowJob p = j.createProject(WorkflowJob.class, "numeric");
        p.setDefinition(new CpsFlowDefinition("node { withKubePodEnv(storageSize: 10) { echo 'inside' } }", true));
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        // No cluster is configured: the step reaches settings resolution, so the parameter itself was bound.
        j.assertLogContains("no Kubernetes cluster is configured", b);
    }

    @Test
    void withoutConfigurationTheBuildSaysWhereToConfigure(JenkinsRule j) throws Exception {
        WorkflowJob p = j.createProject(WorkflowJob.class, "unconfigured");
        p.setDefinition(new CpsFlowDefinition("node { withKubePodEnv { echo 'never' } }", true));
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        j.assertLogContains("no Kubernetes cluster is configured", b);
        j.assertLogNotContains("never", b);
    }

    @Test
    void anInvalidParameterNamesTheStepAndField(JenkinsRule j) throws Exception {
        configureCluster("k8s-token");
        WorkflowJob p = j.createProject(WorkflowJob.class, "invalid");
        p.setDefinition(new CpsFlowDefinition("node { withKubePodEnv(readyTimeout: 'soon') { echo 'never' } }", true));
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        j.assertLogContains("withKubePodEnv parameters, ready timeout: 'soon'", b);
        j.assertLogNotContains("never", b);
    }

    @Test
    void credentialsAreResolvedWithTheBuildsAuthentication(JenkinsRule j) throws Exception {
        CredentialsProvider.lookupStores(j.jenkins).iterator().next().addCredentials(Domain.global(),
            new StringCredentialsImpl(CredentialsScope.GLOBAL, "k8s-token", "token", Secret.fromString("s3cr3t-t0ken")));
        configureCluster("k8s-token");
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
            .grant(Jenkins.ADMINISTER).everywhere().to("admin")
            .grant(Jenkins.READ, hudson.model.Item.READ, hudson.model.Item.BUILD, hudson.model.Computer.BUILD).everywhere()
            .to("dev"));
        WorkflowJob p = j.createProject(WorkflowJob.class, "as-dev");
        p.setDefinition(new CpsFlowDefinition("node { withKubePodEnv { echo 'never' } }", true));
        QueueItemAuthenticatorConfiguration.get().getAuthenticators().add(new MockQueueItemAuthenticator()
            .authenticate(p.getFullName(), hudson.model.User.getById("dev", true).impersonate2()));
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        // "dev" lacks Credentials/UseItem: the credential is invisible to the build, whatever the configuration says.
        j.assertLogContains("credentials 'k8s-token' (configured in the global configuration) were not found, or this "
            + "build may not use them", b);
        j.assertLogNotContains("s3cr3t-t0ken", b);
    }

    static void configureCluster(String credentialsId) {
        KubePodEnvSettings s = new KubePodEnvSettings();
        s.setServerUrl("https://127.0.0.1:1");
        s.setCredentialsId(credentialsId);
        KubePodEnvConfiguration.get().setSettings(s);
        assertEquals(credentialsId, KubePodEnvConfiguration.get().getSettings().getCredentialsId());
    }
}
