package io.kubepodenv.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.EnvironmentFailedException;
import org.junit.jupiter.api.Test;

class ClusterErrorsTest {
    private static KubernetesClientException answer(int code, String message) {
        return new KubernetesClientException(new StatusBuilder().withCode(code).withMessage(message).build());
    }

    @Test
    void a401IsARefusedCredential() {
        EnvironmentFailedException e = ClusterErrors.failed("list pods", "ci", answer(401, "Unauthorized"));
        assertThat(e.getMessage()).contains("refused the credentials (HTTP 401)");
        assertThat(ClusterErrors.refusedCredentials(e)).isTrue();
    }

    @Test
    void a403ForTheAnonymousUserSaysTheCredentialsWereNotRecognisedRatherThanAMissingPermission() {
        EnvironmentFailedException e = ClusterErrors.failed("create leases", "ci", answer(403,
            "leases.coordination.k8s.io is forbidden: User \"system:anonymous\" cannot create resource \"leases\""));
        assertThat(e.getMessage()).contains("did not recognise the credentials").doesNotContain("docs/rbac.md");
        assertThat(ClusterErrors.refusedCredentials(e)).isTrue();
    }

    @Test
    void a403ForAKnownUserIsAMissingPermission() {
        EnvironmentFailedException e = ClusterErrors.failed("create leases", "ci", answer(403,
            "leases.coordination.k8s.io is forbidden: User \"system:serviceaccount:ci:builder\" cannot create"));
        assertThat(e.getMessage()).contains("lack a permission in namespace 'ci'").contains("docs/rbac.md");
        assertThat(ClusterErrors.refusedCredentials(e)).isFalse();
    }
}
