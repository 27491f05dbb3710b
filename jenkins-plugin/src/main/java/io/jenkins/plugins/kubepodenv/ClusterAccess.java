package io.jenkins.plugins.kubepodenv;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCertificateCredentials;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.model.ItemGroup;
import hudson.model.Run;
import io.kubepodenv.engine.config.ClientCertificates;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.config.ClusterCredentials;
import io.kubepodenv.engine.config.ClusterTarget;
import io.kubepodenv.engine.config.InClusterAccount;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.security.core.Authentication;
import org.jenkinsci.plugins.kubernetes.credentials.TokenProducer;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/** Turns a configured cluster target and a stored credential into a {@link ClusterConnection}. */
final class ClusterAccess {
    private ClusterAccess() {
    }

    /**
     * For a build: the credential is looked up with the build's authentication (so a job can only use credentials
     * its runner may use) and its use is tracked on the build.
     */
    static ClusterConnection forRun(ClusterTarget target, String origin, Run<?, ?> run, String namespace)
        throws IOException {
        if (target.inCluster()) {
            return InClusterAccount.read(namespace);
        }
        StandardCredentials c = CredentialsProvider.findCredentialById(target.credentialsId(),
            StandardCredentials.class, run);
        if (c == null) {
            throw new AbortException("kube-pod-env: credentials '" + target.credentialsId() + "' (configured in the "
                + origin + ") were not found, or this build may not use them");
        }
        CredentialsProvider.track(run, c);
        return new ClusterConnection(target.serverUrl(), target.caCertificate(), convert(c, target), namespace);
    }

    /**
     * For the background cleanup (as SYSTEM, with administrator-configured credentials) and for a form's "Test
     * connection" (as the authentication a build of the configured item would have; the caller has checked that the
     * user may configure the item and use its credentials).
     */
    static ClusterConnection forConfiguration(ClusterTarget target, ItemGroup<?> context, String namespace,
        Authentication as) throws IOException {
        if (target.inCluster()) {
            return InClusterAccount.read(namespace);
        }
        List<StandardCredentials> all = CredentialsProvider.lookupCredentialsInItemGroup(StandardCredentials.class,
            context, as, List.of());
        StandardCredentials c = CredentialsMatchers.firstOrNull(all, CredentialsMatchers.withId(target.credentialsId()));
        if (c == null) {
            throw new AbortException("credentials '" + target.credentialsId() + "' were not found here");
        }
        return new ClusterConnection(target.serverUrl(), target.caCertificate(), convert(c, target), namespace);
    }

    static ClusterCredentials convert(StandardCredentials c, ClusterTarget target) throws IOException {
        if (c instanceof TokenProducer producer) {
            // Before the standard types: OpenShift OAuth is a user name and password credential that obtains a token.
            return new ClusterCredentials.Token(producer.getToken(target.serverUrl(), target.caCertificate(), false));
        }
        if (c instanceof StringCredentials s) {
            return new ClusterCredentials.Token(s.getSecret().getPlainText());
        }
        if (c instanceof FileCredentials f) {
            try (InputStream in = f.getContent()) {
                return new ClusterCredentials.Kubeconfig(new String(in.readAllBytes(), StandardCharsets.UTF_8), "");
            }
        }
        if (c instanceof StandardCertificateCredentials cert) {
            return ClientCertificates.fromKeyStore(cert.getKeyStore(),
                cert.getPassword().getPlainText().toCharArray());
        }
        if (c instanceof StandardUsernamePasswordCredentials up) {
            return new ClusterCredentials.UsernamePassword(up.getUsername(), up.getPassword().getPlainText());
        }
        throw new AbortException("credentials '" + c.getId() + "' are of a type kube-pod-env cannot use; use secret "
            + "text (a token), a secret file (a kubeconfig), a certificate, or a user name and password");
    }
}
