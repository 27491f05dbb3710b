package io.kubepodenv.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerEndpointTest {
    @Test
    void aContainerWithoutNamedPortsServesPlainDockerOn2375() {
        assertThat(DockerEndpoint.declaredBy(Map.of("name", "docker"))).isEqualTo(DockerEndpoint.PLAIN);
        assertThat(DockerEndpoint.declaredBy(Map.of("ports", List.of(Map.of("containerPort", 8080)))))
            .isEqualTo(DockerEndpoint.PLAIN);
    }

    @Test
    void aPortNamedDockerGivesThePlainPort() {
        assertThat(DockerEndpoint.declaredBy(Map.of("ports",
            List.of(Map.of("name", "docker", "containerPort", 2377)))))
            .isEqualTo(new DockerEndpoint(2377, false));
    }

    @Test
    void aPortNamedDockerTlsWinsAndMeansTls() {
        assertThat(DockerEndpoint.declaredBy(Map.of("ports", List.of(
            Map.of("name", "docker", "containerPort", 2375),
            Map.of("name", "docker-tls", "containerPort", 2376)))))
            .isEqualTo(new DockerEndpoint(2376, true));
    }

    @Test
    void annotationsWrittenByOlderVersionsOrTamperedWithMeanPlain() {
        assertThat(DockerEndpoint.fromAnnotations(null, null)).isEqualTo(DockerEndpoint.PLAIN);
        assertThat(DockerEndpoint.fromAnnotations("not-a-port", "true")).isEqualTo(DockerEndpoint.PLAIN);
        assertThat(DockerEndpoint.fromAnnotations("2376", "true")).isEqualTo(new DockerEndpoint(2376, true));
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        assertThatThrownBy(() -> DockerEndpoint.declaredBy(Map.of("ports",
            List.of(Map.of("name", "docker-tls", "containerPort", 99999)))))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("99999");
    }
}
