package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BodyEnvironmentTest {

    @Test
    void setsDockerHostAndTheEnvironmentsIdentity() {
        BodyEnvironment env = new BodyEnvironment("tcp://127.0.0.1:41234", "env-abc", "ci");

        assertThat(env.variables()).containsExactly(Map.entry("DOCKER_HOST", "tcp://127.0.0.1:41234"),
            Map.entry("KUBE_POD_ENV_ID", "env-abc"), Map.entry("KUBE_POD_ENV_NAMESPACE", "ci"));
    }

    @Test
    void clearsInheritedTlsAndContextVariablesByEmptyingThem() {
        Map<String, String> inherited = new HashMap<>(Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH",
            "/home/ci/.docker", "DOCKER_CONTEXT", "prod", "DOCKER_HOST", "tcp://prod:2376", "DOCKER_CONFIG",
            "/home/ci/.docker", "PATH", "/usr/bin"));

        new BodyEnvironment("tcp://127.0.0.1:41234", "env-abc", "ci").applyTo(inherited);

        assertThat(inherited).containsEntry("DOCKER_TLS_VERIFY", "").containsEntry("DOCKER_CERT_PATH", "")
            .containsEntry("DOCKER_CONTEXT", "").containsEntry("DOCKER_TLS", "")
            .containsEntry("DOCKER_HOST", "tcp://127.0.0.1:41234")
            .containsEntry("DOCKER_CONFIG", "/home/ci/.docker").containsEntry("PATH", "/usr/bin");
    }

    @Test
    void formatsHostsAndIpv6Addresses() {
        assertThat(BodyEnvironment.dockerHost("10.1.2.3", 2375)).isEqualTo("tcp://10.1.2.3:2375");
        assertThat(BodyEnvironment.dockerHost("fd00::12", 2375)).isEqualTo("tcp://[fd00::12]:2375");
        assertThat(BodyEnvironment.dockerHost(InetAddress.getLoopbackAddress(), 5000))
            .isEqualTo("tcp://127.0.0.1:5000");
    }

    @Test
    void refusesANonLoopbackTunnelAddress() throws Exception {
        InetAddress wildcard = InetAddress.getByName("0.0.0.0");
        assertThatThrownBy(() -> BodyEnvironment.dockerHost(wildcard, 5000))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
    }

    @Test
    void refusesAMalformedDockerHost() {
        assertThatThrownBy(() -> new BodyEnvironment("unix:///var/run/docker.sock", "env-abc", "ci"))
            .hasMessageContaining("is not tcp://host:port");
    }
}
