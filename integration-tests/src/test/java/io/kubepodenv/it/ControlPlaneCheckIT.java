package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tier fails, loudly and with directions, when the control plane it expects is missing: it never skips. */
class ControlPlaneCheckIT {
    @Test
    void missingClusterSettingsFailNamingTheStartScript() {
        assertThatThrownBy(() -> ControlPlane.from(Map.of()))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining("KPE_CLUSTER_SERVER is not set")
            .hasMessageContaining("testing/cluster/start.sh");
    }

    @Test
    void anApiServerThatDoesNotAnswerFailsNamingTheStartScript(@TempDir Path dir) throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        String server = "https://127.0.0.1:" + port;
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: gone
              cluster:
                server: %s
                insecure-skip-tls-verify: true
            users:
            - name: nobody
              user:
                token: not-a-token
            contexts:
            - name: gone
              context:
                cluster: gone
                user: nobody
            current-context: gone
            """.formatted(server));
        long started = System.nanoTime();
        assertThatThrownBy(() -> ControlPlane.from(Map.of("KPE_CLUSTER_SERVER", server,
            "KUBECONFIG", kubeconfig.toString())))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining("the API server at " + server)
            .hasMessageContaining("testing/cluster/start.sh");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aKubeconfigForAnotherClusterIsRefused(@TempDir Path dir) throws IOException {
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters:
            - name: production
              cluster:
                server: https://kubernetes.example.com
            users:
            - name: someone
              user:
                token: t
            contexts:
            - name: production
              context:
                cluster: production
                user: someone
            current-context: production
            """);
        assertThatThrownBy(() -> ControlPlane.from(Map.of("KPE_CLUSTER_SERVER", "https://127.0.0.1:16442",
            "KUBECONFIG", kubeconfig.toString())))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining("not at the local test cluster");
    }

    @Test
    void theRunningControlPlaneAnswers() {
        ControlPlane cluster = ControlPlane.require();
        assertThat(cluster.server()).startsWith("https://127.0.0.1:");
    }
}
