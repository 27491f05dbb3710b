package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds environments on the cluster. The cluster is the source of truth: an environment is its docker-host
 * StatefulSet, recognised by the engine's labels; the whole key is read back from its annotation, so keys whose
 * sanitised label values collide are still told apart.
 */
public final class EnvironmentLookup {
    private final KubernetesClient client;
    private final String namespace;

    public EnvironmentLookup(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Every live environment of {@code key}, newest first (normally one; more only after a failed replacement). */
    public List<Environment> findAll(EnvironmentKey key) {
        return list(Map.of(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE,
            ObjectLabels.COMPONENT, ObjectLabels.DOCKER_HOST_COMPONENT,
            ObjectLabels.KEY_HASH, key.hash()), "look up environment '" + key + "'").stream()
            .filter(e -> e.key().equals(key))
            .toList();
    }

    /** The newest live environment of {@code key}. */
    public Optional<Environment> find(EnvironmentKey key) {
        return findAll(key).stream().findFirst();
    }

    /** Every environment in the namespace, newest first: one list call whatever their number. */
    public List<Environment> listAll() {
        return list(Map.of(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE,
            ObjectLabels.COMPONENT, ObjectLabels.DOCKER_HOST_COMPONENT), "list environments");
    }

    private List<Environment> list(Map<String, String> labels, String action) {
        List<StatefulSet> items;
        try {
            items = client.apps().statefulSets().inNamespace(namespace).withLabels(labels).list().getItems();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.failed(action + " in namespace '" + namespace + "'", namespace, e);
        }
        return items.stream()
            .filter(s -> s.getMetadata().getDeletionTimestamp() == null)
            .map(EnvironmentLookup::toEnvironment)
            .flatMap(Optional::stream)
            .sorted(Comparator.comparing((Environment e) -> e.createdAt().orElse(Instant.EPOCH)).reversed())
            .toList();
    }

    /** The environment a docker-host StatefulSet stands for; empty when its annotations were tampered with. */
    static Optional<Environment> toEnvironment(StatefulSet sts) {
        ObjectMeta meta = sts.getMetadata();
        Map<String, String> annotations = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        String key = annotations.get(ObjectLabels.KEY_ANNOTATION);
        String id = labels.get(ObjectLabels.INSTANCE);
        if (key == null || key.isBlank() || id == null) {
            return Optional.empty();
        }
        EnvironmentKey environmentKey;
        try {
            environmentKey = EnvironmentKey.of(key);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        String kinds = annotations.getOrDefault(ObjectLabels.KINDS, "");
        boolean ready = ReadinessWaiter.stsReady(sts);
        return Optional.of(new Environment(environmentKey, id, meta.getNamespace(), meta.getName(),
            annotations.getOrDefault(ObjectLabels.TEMPLATE_HASH, ""), createdAt(meta), ready,
            kinds.isBlank() ? List.of() : Arrays.asList(kinds.split(",")),
            labels.getOrDefault(ObjectLabels.OWNER, ""),
            io.kubepodenv.engine.DockerEndpoint.fromAnnotations(annotations.get(ObjectLabels.DOCKER_PORT),
                annotations.get(ObjectLabels.DOCKER_TLS)), DockerHostActivity.read(sts)));
    }

    private static Optional<Instant> createdAt(ObjectMeta meta) {
        String annotated = meta.getAnnotations() == null ? null : meta.getAnnotations().get(ObjectLabels.CREATED_AT);
        for (String text : new String[] {annotated, meta.getCreationTimestamp()}) {
            if (text != null) {
                try {
                    return Optional.of(Instant.parse(text));
                } catch (DateTimeParseException e) {
                    // fall through to the next source
                }
            }
        }
        return Optional.empty();
    }
}
