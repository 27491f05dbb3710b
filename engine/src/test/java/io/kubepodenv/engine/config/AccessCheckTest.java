package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubepodenv.engine.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient
class AccessCheckTest {
    private static final String REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void requiresEveryVerbOnEveryTemplateKindPlusPodsEventsAndPortForward() {
        List<AccessCheck.Permission> required = AccessCheck.required(List.of("apps/v1/StatefulSet",
            "networking.k8s.io/v1/NetworkPolicy", "v1/ConfigMap"));

        assertThat(required.stream().map(Object::toString)).contains("create statefulsets.apps",
            "patch statefulsets.apps", "delete networkpolicies.networking.k8s.io", "list configmaps",
            "create pods/portforward", "list events", "watch pods");
    }

    @Test
    void pluralsFollowKubernetesNames() {
        assertThat(AccessCheck.plural("NetworkPolicy")).isEqualTo("networkpolicies");
        assertThat(AccessCheck.plural("Ingress")).isEqualTo("ingresses");
        assertThat(AccessCheck.plural("PersistentVolumeClaim")).isEqualTo("persistentvolumeclaims");
        assertThat(AccessCheck.plural("Gateway")).isEqualTo("gateways");
    }

    @Test
    void reportsThePermissionsTheServerRefuses() {
        server.setVersionInfo(new VersionInfo.Builder().withMajor("1").withMinor("31").withGitVersion("v1.31.2")
            .build());
        KubernetesSerialization json = new KubernetesSerialization();
        server.expect().post().withPath(REVIEWS).andReply(201, request -> {
            SelfSubjectAccessReview review = json.unmarshal(request.getBody().readUtf8(),
                SelfSubjectAccessReview.class);
            boolean allowed = !"portforward".equals(review.getSpec().getResourceAttributes().getSubresource());
            review.setStatus(new SubjectAccessReviewStatusBuilder().withAllowed(allowed).build());
            return review;
        }).always();

        AccessCheck.Report report = AccessCheck.run(client, "ci", AccessCheck.required(List.of("apps/v1/StatefulSet")),
            SecretMasker.none());

        assertThat(report.ok()).isFalse();
        assertThat(report.serverVersion()).isEqualTo("v1.31.2");
        assertThat(report.missing().stream().map(Object::toString))
            .containsExactly("create pods/portforward", "get pods/portforward");
        assertThat(report.summary("ci")).isEqualTo("Connected to Kubernetes v1.31.2, but these permissions are "
            + "missing in namespace ci: create pods/portforward, get pods/portforward");
    }

    @Test
    void saysAllIsWellWhenEverythingIsGranted() {
        server.setVersionInfo(new VersionInfo.Builder().withMajor("1").withMinor("31").withGitVersion("v1.31.2")
            .build());
        server.expect().post().withPath(REVIEWS).andReturn(201, "{\"apiVersion\":\"authorization.k8s.io/v1\","
            + "\"kind\":\"SelfSubjectAccessReview\",\"status\":{\"allowed\":true}}").always();

        AccessCheck.Report report = AccessCheck.run(client, "ci", AccessCheck.required(List.of("v1/ConfigMap")),
            SecretMasker.none());

        assertThat(report.ok()).isTrue();
        assertThat(report.summary("ci")).startsWith("Connected to Kubernetes v1.31.2; all ");
    }

    @Test
    void aRefusedCredentialIsExplainedWithoutItsValue() {
        server.expect().post().withPath(REVIEWS).andReturn(401, "{\"kind\":\"Status\",\"code\":401,"
            + "\"message\":\"Unauthorized\"}").always();

        assertThatThrownBy(() -> AccessCheck.run(client, "ci", AccessCheck.required(List.of("v1/ConfigMap")),
            SecretMasker.none()))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageStartingWith("the API server refused the credentials (HTTP 401)");
    }
}
