package io.jenkins.plugins.kubepodenv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.domains.Domain;
import hudson.model.Result;
import hudson.util.Secret;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.cps.SnippetizerTester;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;
import org.jvnet.hudson.test.MockQueueItemAuthenticator;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

@WithJenkins
class KubePodEnvStepTest {

    @Test
    void snippetRoundTrip(JenkinsRule j) throws Exception {
        SnippetizerTester st = new SnippetizerTester(j);
        st.assertRoundTrip(new KubePodEnvStep(), "withKubePodEnv {\n    // some block\n}");
        KubePodEnvStep step = new KubePodEnvStep();
        step.setStorageSize("10");
        step.setKeep(false);
        step.setConnectionMode("direct");
        st.assertRoundTrip(step, "withKubePodEnv(connectionMode: 'direct', keep: false, storageSize: '10') {\n"
            + "    // some block\n}");
    }

    @Test
    void stepConfigurationRoundTrip(JenkinsRule j) throws Exception {
        KubePodEnvStep step = new KubePodEnvStep();
        step.setNamespace("ci");
        step.setStorageClass("fast");
        step.setStorageSize("12.5");
        step.setServerSideApply(false);
        step.setReadyTimeout("5m");
        step.setConnectionMode("tunnel");
        step.setKeep(true);
        j.assertEqualDataBoundBeans(step, new StepConfigTester(j).configRoundTrip(step));
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
        p.setDefinition(new CpsFlowDefinition("node { withKubePodEnv(storageSize: '10Gi') { echo 'never' } }", true));
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        j.assertLogContains("withKubePodEnv parameters, storage size: '10Gi' is not a number of GiB", b);
    }

    @Test
    void credentialsAreResolvedWithTheBuildsAuthentication(JenkinsRule j) throws Exception {
        CredentialsProvider.lookupStores(j.jenkins).iterator().next().addCredentials(Domain.global(),
            new StringCredentialsImpl(CredentialsScope.GLOBAL, "k8s-token", "token", Secret.fromString("s3cr3t-t0ken")));
        configureCluster("k8s-token");
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
            .grant(Jenkins.ADMINISTER).everywhere().to("admin")
            .grant(Jenkins.READ, hudson.model.Item.READ, hudson.model.Item.BUILD).everywhere().to("dev"));
        WorkflowJob p = j.createProject(WorkflowJob.class, "as-dev");
        p.setDefinition(new CpsFlowDefinition("node { withKubePodEnv { echo 'never' } }", true));
        MockQueueItemAuthenticator.setup(j.jenkins, p.getFullName(), hudson.model.User.getById("dev", true).impersonate2());
        WorkflowRun b = j.buildAndAssertStatus(Result.FAILURE, p);
        // "dev" lacks Credentials/UseItem: the credential is invisible to the build, whatever the configuration says.
        j.assertLogContains("credentials 'k8s-token' (configured in the global configuration) were not found, or this "
            + "build may not use them", b);
        j.assertLogNotContains("s3cr3t-t0ken", b);
    }

    @Test
    void theFreestyleWrapperRoundTrips(JenkinsRule j) throws Exception {
        hudson.model.FreeStyleProject p = j.createFreeStyleProject();
        KubePodEnvBuildWrapper w = new KubePodEnvBuildWrapper();
        w.setStorageSize("8");
        w.setKeep(false);
        p.getBuildWrappersList().add(w);
        j.configRoundtrip(p);
        j.assertEqualDataBoundBeans(w, p.getBuildWrappersList().get(KubePodEnvBuildWrapper.class));
    }

    static void configureCluster(String credentialsId) {
        KubePodEnvSettings s = new KubePodEnvSettings();
        s.setServerUrl("https://127.0.0.1:1");
        s.setCredentialsId(credentialsId);
        KubePodEnvConfiguration.get().setSettings(s);
        assertEquals(credentialsId, KubePodEnvConfiguration.get().getSettings().getCredentialsId());
    }
}
