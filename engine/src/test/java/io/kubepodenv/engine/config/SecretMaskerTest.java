package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-part";

    @Test
    void masksEveryOccurrenceOfASecret() {
        String masked = SecretMasker.of(List.of(TOKEN)).mask("token " + TOKEN + " rejected; retry " + TOKEN);

        assertThat(masked).isEqualTo("token **** rejected; retry ****");
    }

    @Test
    void masksTheBase64FormOfASecret() {
        String encoded = Base64.getEncoder().encodeToString(TOKEN.getBytes(StandardCharsets.UTF_8));

        assertThat(SecretMasker.of(List.of(TOKEN)).mask("data: " + encoded)).isEqualTo("data: ****");
    }

    @Test
    void masksAuthorizationHeadersEvenForUnknownSecrets() {
        assertThat(SecretMasker.none().mask("sent Authorization: Bearer abc.def-ghi= and Basic dXNlcjpwdw=="))
            .isEqualTo("sent Authorization: Bearer **** and Basic ****");
    }

    @Test
    void masksALongerSecretWholeEvenWhenItContainsAShorterOne() {
        assertThat(SecretMasker.of(List.of("pass", "password123")).mask("password123")).isEqualTo("****");
    }

    @Test
    void ignoresTooShortSecretsThatWouldDestroyTheMessage() {
        assertThat(SecretMasker.of(List.of("a", "")).mask("a cat")).isEqualTo("a cat");
    }

    @Test
    void describesACauseChainMasked() {
        Exception e = new RuntimeException("request failed", new IllegalStateException("token " + TOKEN + " expired"));

        assertThat(SecretMasker.of(List.of(TOKEN)).describe(e))
            .isEqualTo("request failed: token **** expired");
    }

    @Test
    void credentialsNeverPrintTheirSecret() {
        assertThat(new ClusterCredentials.Token(TOKEN).toString()).doesNotContain(TOKEN);
        assertThat(new ClusterCredentials.UsernamePassword("ci", "hunter22").toString()).doesNotContain("hunter22");
        assertThat(new ClusterConnection("https://k8s", "", new ClusterCredentials.Token(TOKEN), "ci").toString())
            .doesNotContain(TOKEN);
    }
}
