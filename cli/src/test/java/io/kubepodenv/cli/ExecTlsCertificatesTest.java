package io.kubepodenv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.DockerEndpoint;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kpe exec hands client certificates to the command exactly when the environment's Docker server needs TLS. */
class ExecTlsCertificatesTest {
    @TempDir
    Path dir;

    private static Environment environment(DockerEndpoint docker) {
        return new Environment(EnvironmentKey.of("shop/PR-9"), "shop-pr-9-abcde", "ns", "shop-pr-9-abcde",
            "sha256:x", Optional.empty(), true, List.of(), "kpe", docker);
    }

    private Path certificates() throws IOException {
        for (String f : List.of("ca.pem", "cert.pem", "key.pem")) {
            Files.writeString(dir.resolve(f), "-----BEGIN CERTIFICATE-----\n");
        }
        return dir;
    }

    @Test
    void aTlsServerGetsTheCertificatesAsDockerCertPath() throws IOException {
        Path certs = ExecCommand.tlsCertificates(environment(new DockerEndpoint(2376, true)), certificates());
        Map<String, String> env = ExecCommand.childEnvironment(Map.of("DOCKER_CONTEXT", "remote"),
            "tcp://127.0.0.1:4000", certs);
        assertThat(env).containsEntry("DOCKER_TLS_VERIFY", "1")
            .containsEntry("DOCKER_CERT_PATH", dir.toAbsolutePath().toString())
            .containsEntry("DOCKER_HOST", "tcp://127.0.0.1:4000")
            .doesNotContainKey("DOCKER_CONTEXT");
    }

    @Test
    void aTlsServerWithoutCertificatesIsBadInputThatSaysWhatToGive() {
        assertThatThrownBy(() -> ExecCommand.tlsCertificates(environment(new DockerEndpoint(2376, true)), null))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("requires TLS")
            .hasMessageContaining("--tls-cert-dir");
    }

    @Test
    void aCertificateDirectoryMissingAFileIsBadInput() throws IOException {
        Files.writeString(dir.resolve("ca.pem"), "x");
        assertThatThrownBy(() -> ExecCommand.tlsCertificates(environment(new DockerEndpoint(2376, true)), dir))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("no cert.pem");
    }

    @Test
    void certificatesForAPlainServerAreRefused() throws IOException {
        Path certs = certificates();
        assertThatThrownBy(() -> ExecCommand.tlsCertificates(environment(DockerEndpoint.PLAIN), certs))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("plain TCP");
    }

    @Test
    void aPlainServerGetsNoTlsVariables() {
        assertThat(ExecCommand.tlsCertificates(environment(DockerEndpoint.PLAIN), null)).isNull();
        assertThat(ExecCommand.childEnvironment(Map.of("DOCKER_TLS_VERIFY", "1"), "tcp://127.0.0.1:1", null))
            .doesNotContainKeys("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH");
    }
}
