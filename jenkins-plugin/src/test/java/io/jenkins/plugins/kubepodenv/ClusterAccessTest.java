package io.jenkins.plugins.kubepodenv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SecretBytes;
import com.cloudbees.plugins.credentials.domains.Domain;
import com.cloudbees.plugins.credentials.impl.CertificateCredentialsImpl;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.model.FreeStyleProject;
import hudson.model.Item;
import hudson.model.User;
import hudson.security.ACL;
import hudson.security.AccessDeniedException3;
import jenkins.security.QueueItemAuthenticatorConfiguration;
import org.jvnet.hudson.test.MockQueueItemAuthenticator;
import hudson.util.FormValidation;
import hudson.util.Secret;
import io.kubepodenv.engine.config.ClusterCredentials;
import io.kubepodenv.engine.config.ClusterTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.kubernetes.credentials.TokenProducer;
import org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** Each credential type a cluster can be reached with, and who may test a connection with which credential. */
@WithJenkins
class ClusterAccessTest {
    private static final ClusterTarget TARGET = ClusterTarget.of("https://127.0.0.1:1", null, "id");

    @Test
    void secretTextIsABearerToken(JenkinsRule j) throws Exception {
        ClusterCredentials c = ClusterAccess.convert(new StringCredentialsImpl(CredentialsScope.GLOBAL, "id", "",
            Secret.fromString("t0ken")), TARGET);
        assertEquals("t0ken", assertInstanceOf(ClusterCredentials.Token.class, c).token());
    }

    @Test
    void aSecretFileIsAKubeconfig(JenkinsRule j) throws Exception {
        String kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n";
        ClusterCredentials c = ClusterAccess.convert(new FileCredentialsImpl(CredentialsScope.GLOBAL, "id", "",
            "kubeconfig", SecretBytes.fromBytes(kubeconfig.getBytes(StandardCharsets.UTF_8))), TARGET);
        assertEquals(kubeconfig, assertInstanceOf(ClusterCredentials.Kubeconfig.class, c).text());
    }

    @Test
    void aUserNameAndPasswordIsBasicAuthentication(JenkinsRule j) throws Exception {
        ClusterCredentials c = ClusterAccess.convert(new UsernamePasswordCredentialsImpl(CredentialsScope.GLOBAL, "id",
            "", "alice", "pa55word"), TARGET);
        ClusterCredentials.UsernamePassword up = assertInstanceOf(ClusterCredentials.UsernamePassword.class, c);
        assertEquals("alice", up.username());
        assertEquals("pa55word", up.password());
    }

    @Test
    void anOpenShiftStyleCredentialSendsTheTokenItObtainsNotTheUsersPassword(JenkinsRule j) throws Exception {
        ClusterCredentials c = ClusterAccess.convert(new TokenFromPassword("id", "alice", "pa55word"), TARGET);
        assertEquals("obtained-for-alice", assertInstanceOf(ClusterCredentials.Token.class, c).token());
    }

    @Test
    void aCertificateIsAClientCertificate(JenkinsRule j, @TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("client.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "client", "-keyalg", "EC", "-dname", "CN=kube-pod-env-test", "-validity", "2",
            "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
            .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), out);
        CertificateCredentialsImpl cert = new CertificateCredentialsImpl(CredentialsScope.GLOBAL, "id", "", "changeit",
            new CertificateCredentialsImpl.UploadedKeyStoreSource(SecretBytes.fromBytes(Files.readAllBytes(keystore))));

        ClusterCredentials c = ClusterAccess.convert(cert, TARGET);

        ClusterCredentials.ClientCertificate client = assertInstanceOf(ClusterCredentials.ClientCertificate.class, c);
        assertTrue(client.certificatePem().contains("BEGIN CERTIFICATE"), "the certificate in PEM");
        assertEquals("EC", client.keyAlgorithm());
    }

    @Test
    void testConnectionInAPipelineJobIsRefusedWithoutUsingTheCredential(JenkinsRule j) throws Exception {
        addToken(j, "k8s-token");
        WorkflowJob p = j.createProject(WorkflowJob.class, "pipeline");

        FormValidation v = descriptor(j).doTestConnection(p, false, "https://127.0.0.1:1", "", "k8s-token", "ci", "");

        assertEquals(FormValidation.Kind.ERROR, v.kind);
        assertTrue(v.getMessage().contains("a Pipeline job cannot choose the cluster or credentials"), v.getMessage());
    }

    @Test
    void testConnectionNeedsThePermissionToConfigureTheJob(JenkinsRule j) throws Exception {
        addToken(j, "k8s-token");
        FreeStyleProject p = j.createFreeStyleProject("freestyle");
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
            .grant(Jenkins.READ, Item.READ).everywhere().to("reader"));

        try (var ignored = ACL.as2(User.getById("reader", true).impersonate2())) {
            assertThrows(AccessDeniedException3.class, () -> descriptor(j).doTestConnection(p, false,
                "https://127.0.0.1:1", "", "k8s-token", "ci", ""));
        }
    }

    @Test
    void theCredentialsListOfAJobShowsNothingToAUserWhoMayNotConfigureIt(JenkinsRule j) throws Exception {
        addToken(j, "k8s-token");
        FreeStyleProject p = j.createFreeStyleProject("freestyle");
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
            .grant(Jenkins.READ, Item.READ).everywhere().to("reader")
            .grant(Jenkins.READ, Item.READ, Item.CONFIGURE).everywhere().to("configurer"));

        int forReader;
        int forConfigurer;
        try (var ignored = ACL.as2(User.getById("reader", true).impersonate2())) {
            forReader = descriptor(j).doFillCredentialsIdItems(p, "").size();
        }
        try (var ignored = ACL.as2(User.getById("configurer", true).impersonate2())) {
            forConfigurer = descriptor(j).doFillCredentialsIdItems(p, "").size();
        }

        assertEquals(1, forReader, "only the current (empty) value");
        assertEquals(2, forConfigurer, "the empty choice and the token");
    }

    @Test
    void aJobsCredentialsAreListedAsItsBuildsWouldFindThem(JenkinsRule j) throws Exception {
        addToken(j, "k8s-token");
        FreeStyleProject p = j.createFreeStyleProject("runs-as-dev");
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
            .grant(Jenkins.ADMINISTER).everywhere().to("admin")
            .grant(Jenkins.READ, Item.READ, Item.BUILD).everywhere().to("dev"));
        QueueItemAuthenticatorConfiguration.get().getAuthenticators().add(new MockQueueItemAuthenticator()
            .authenticate(p.getFullName(), User.getById("dev", true).impersonate2()));

        int listed;
        try (var ignored = ACL.as2(User.getById("admin", true).impersonate2())) {
            listed = descriptor(j).doFillCredentialsIdItems(p, "").size();
        }

        assertEquals(1, listed, "the job's builds run as 'dev', who cannot use the global token: only the empty "
            + "choice");
    }

    private static KubePodEnvSettings.DescriptorImpl descriptor(JenkinsRule j) {
        return j.jenkins.getDescriptorByType(KubePodEnvSettings.DescriptorImpl.class);
    }

    private static void addToken(JenkinsRule j, String id) throws IOException {
        CredentialsProvider.lookupStores(j.jenkins).iterator().next().addCredentials(Domain.global(),
            new StringCredentialsImpl(CredentialsScope.GLOBAL, id, "", Secret.fromString("t0ken")));
    }

    /** A user name and password credential that obtains a token from the server, as OpenShift OAuth does. */
    private static final class TokenFromPassword extends UsernamePasswordCredentialsImpl implements TokenProducer {
        private static final long serialVersionUID = 1L;

        TokenFromPassword(String id, String username, String password) throws Exception {
            super(CredentialsScope.GLOBAL, id, "", username, password);
        }

        @Override
        public String getToken(String serviceAddress, String caCertData, boolean skipTlsVerify) {
            return "obtained-for-" + getUsername();
        }
    }

    @Test
    void theEnvironmentsPageIsForAdministratorsAndSaysWhenNoClusterIsConfigured(JenkinsRule j) throws Exception {
        j.jenkins.setSecurityRealm(j.createDummySecurityRealm());
        j.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
            .grant(Jenkins.READ).everywhere().to("reader").grant(Jenkins.ADMINISTER).everywhere().to("admin"));

        JenkinsRule.WebClient reader = j.createWebClient().withThrowExceptionOnFailingStatusCode(false).login("reader");
        assertEquals(403, reader.goTo("manage/kube-pod-env").getWebResponse().getStatusCode());
        String page = j.createWebClient().login("admin").goTo("manage/kube-pod-env").asNormalizedText();
        assertTrue(page.contains("No cluster is configured"), page);
    }
}
