package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.kubepodenv.engine.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InClusterAccountTest {
    @TempDir
    Path dir;

    @Test
    void readsTheMountedServiceAccountAndTheServiceAddress() throws Exception {
        Files.writeString(dir.resolve("token"), "sa-token\n");
        Files.writeString(dir.resolve("ca.crt"), TestCertificates.pemCertificate(dir));

        ClusterConnection c = InClusterAccount.read(dir,
            Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "KUBERNETES_SERVICE_PORT", "443"), "ci");
        Config config = c.config();

        assertThat(config.getMasterUrl()).startsWith("https://10.96.0.1:443");
        assertThat(config.getOauthToken()).isEqualTo("sa-token");
        assertThat(config.getCaCertData()).isNotBlank();
    }

    @Test
    void bracketsAnIpv6ServiceAddress() throws Exception {
        Files.writeString(dir.resolve("token"), "sa-token");

        ClusterConnection c = InClusterAccount.read(dir, Map.of("KUBERNETES_SERVICE_HOST", "fd00::1"), "ci");

        assertThat(c.serverUrl()).isEqualTo("https://[fd00::1]:443");
    }

    @Test
    void outsideAPodTheMessageSaysWhatToConfigureInstead() {
        assertThatThrownBy(() -> InClusterAccount.read(dir, Map.of(), "ci")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("does not run in a Kubernetes pod");
        assertThatThrownBy(() -> InClusterAccount.read(dir, Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1"), "ci"))
            .hasMessageContaining("no service account token");
    }
}
