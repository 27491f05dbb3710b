package io.kubepodenv.engine.config;

import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks that a connection's credentials may do what an environment needs in a namespace: create, change, read, list
 * and delete every kind the template creates, follow pods and events, and open port-forwards. Asks the API server
 * itself (SelfSubjectAccessReview), so it reflects RBAC and any other authorizer exactly.
 */
public final class AccessCheck {
    private static final List<String> OBJECT_VERBS = List.of("get", "list", "create", "patch", "update", "delete");

    private AccessCheck() {
    }

    /** One permission: a verb on a resource (and subresource) of an API group. */
    public record Permission(String verb, String group, String resource, String subresource) {
        @Override
        public String toString() {
            String r = subresource.isEmpty() ? resource : resource + "/" + subresource;
            return verb + " " + (group.isEmpty() ? r : r + "." + group);
        }
    }

    /**
     * The result: the API server's version and the permissions that are missing (empty: all granted).
     *
     * @param serverVersion e.g. {@code v1.31.2}
     * @param checked how many permissions were asked about
     * @param missing the ones refused
     */
    public record Report(String serverVersion, int checked, List<Permission> missing) {
        public boolean ok() {
            return missing.isEmpty();
        }

        /** One line for a form or a log. */
        public String summary(String namespace) {
            if (ok()) {
                return "Connected to Kubernetes " + serverVersion + "; all " + checked + " permissions needed in "
                    + "namespace " + namespace + " are granted";
            }
            return "Connected to Kubernetes " + serverVersion + ", but these permissions are missing in namespace "
                + namespace + ": " + String.join(", ", missing.stream().map(Permission::toString).toList());
        }
    }

    /**
     * The permissions an environment of {@code kinds} ({@code apiVersion/Kind}, as {@code Manifest.kinds()} lists
     * them) needs.
     */
    public static List<Permission> required(List<String> kinds) {
        Set<Permission> out = new LinkedHashSet<>();
        List<String> all = new java.util.ArrayList<>(kinds);
        all.add(0, "v1/ConfigMap"); // the environment's record, whatever the template creates
        for (String kind : new LinkedHashSet<>(all)) {
            int slash = kind.lastIndexOf('/');
            String apiVersion = slash < 0 ? "v1" : kind.substring(0, slash);
            String name = kind.substring(slash + 1);
            String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            String resource = plural(name);
            for (String verb : OBJECT_VERBS) {
                out.add(new Permission(verb, group, resource, ""));
            }
        }
        out.add(new Permission("list", "", "pods", ""));
        out.add(new Permission("get", "", "pods", ""));
        out.add(new Permission("watch", "", "pods", ""));
        out.add(new Permission("list", "", "events", ""));
        out.add(new Permission("create", "", "pods", "portforward"));
        out.add(new Permission("get", "", "pods", "portforward"));
        return List.copyOf(out);
    }

    /** Lower-case plural of a kind, the way Kubernetes names built-in resources. */
    static String plural(String kind) {
        String k = kind.toLowerCase(Locale.ROOT);
        if (k.endsWith("y") && !k.endsWith("ay") && !k.endsWith("ey")) {
            return k.substring(0, k.length() - 1) + "ies";
        }
        if (k.endsWith("s") || k.endsWith("x") || k.endsWith("ch") || k.endsWith("sh")) {
            return k + "es";
        }
        return k + "s";
    }

    /**
     * Asks the API server about each permission in {@code namespace}.
     *
     * @throws InvalidInputException when the server cannot be reached or refuses the credentials; the message is
     *     masked with {@code masker}
     */
    public static Report run(KubernetesClient client, String namespace, List<Permission> permissions,
        SecretMasker masker) {
        String version;
        try {
            version = client.getKubernetesVersion().getGitVersion();
        } catch (KubernetesClientException e) {
            throw new InvalidInputException(connectionProblem(e, masker), e.getCode() == 0 ? null : e);
        } catch (RuntimeException e) {
            throw new InvalidInputException("cannot reach the API server: " + masker.describe(e));
        }
        List<Permission> missing = new ArrayList<>();
        for (Permission p : permissions) {
            ResourceAttributes attributes = new ResourceAttributesBuilder().withNamespace(namespace)
                .withVerb(p.verb()).withGroup(p.group()).withResource(p.resource())
                .withSubresource(p.subresource().isEmpty() ? null : p.subresource()).build();
            SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder().withNewSpec()
                .withResourceAttributes(attributes).endSpec().build();
            try {
                SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
                if (answer.getStatus() == null || !Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
                    missing.add(p);
                }
            } catch (KubernetesClientException e) {
                throw new InvalidInputException(connectionProblem(e, masker));
            }
        }
        return new Report(version, permissions.size(), List.copyOf(missing));
    }

    private static String connectionProblem(KubernetesClientException e, SecretMasker masker) {
        return switch (e.getCode()) {
            case 401 -> "the API server refused the credentials (HTTP 401): the token, certificate or password is "
                + "wrong or expired";
            case 403 -> "the credentials are valid but may not ask the API server for its version or their own "
                + "permissions (HTTP 403)";
            case 0 -> "cannot reach the API server: " + masker.describe(e);
            default -> "the API server answered HTTP " + e.getCode() + ": " + masker.describe(e);
        };
    }
}
