package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentActivity;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds environments on the cluster. The cluster is the source of truth: an environment is its record (a ConfigMap,
 * see {@link EnvironmentRecord}) together with its docker-host StatefulSet, both recognised by the engine's labels;
 * the whole key is read back from an annotation, so keys whose sanitised label values collide are still told apart.
 *
 * <p>A record without a StatefulSet, or not yet marked complete, is an incomplete environment (its {@code up} was
 * killed, or is still applying). A StatefulSet without a record is an environment made before records existed: it is
 * found, and deleted, as before. Two list calls, whatever the number of environments.
 */
public final class EnvironmentLookup {
    private final KubernetesClient client;
    private final String namespace;

    public EnvironmentLookup(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /**
     * Every environment of {@code key}, complete or not, newest first (normally one; more only after a failed
     * replacement or an interrupted {@code up}).
     */
    public List<Environment> findAll(EnvironmentKey key) {
        return list(Map.of(ObjectLabels.KEY_HASH, key.hash()), "look up environment '" + key + "'").stream()
            .filter(e -> e.key().equals(key))
            .toList();
    }

    /** The newest complete environment of {@code key}: the one a tunnel or exec can use. */
    public Optional<Environment> find(EnvironmentKey key) {
        return findAll(key).stream().filter(Environment::complete).findFirst();
    }

    /** Every environment in the namespace, complete or not, newest first. */
    public List<Environment> listAll() {
        return list(Map.of(), "list environments");
    }

    private List<Environment> list(Map<String, String> extraLabels, String action) {
        Map<String, String> records = new LinkedHashMap<>(EnvironmentRecord.selector());
        records.putAll(extraLabels);
        Map<String, String> hosts = new LinkedHashMap<>(Map.of(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE,
            ObjectLabels.COMPONENT, ObjectLabels.DOCKER_HOST_COMPONENT));
        hosts.putAll(extraLabels);
        List<ConfigMap> recordItems;
        List<StatefulSet> hostItems;
        try {
            recordItems = client.configMaps().inNamespace(namespace).withLabels(records).list().getItems();
            hostItems = client.apps().statefulSets().inNamespace(namespace).withLabels(hosts).list().getItems();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.failed(action + " in namespace '" + namespace + "'", namespace, e);
        }
        return merge(recordItems, hostItems);
    }

    /**
     * The environments that records and docker-host StatefulSets stand for, newest first: a record with the
     * StatefulSet of its instance, a record alone (incomplete), or a StatefulSet alone (made before records). Objects
     * being deleted and objects whose annotations were tampered with are left out.
     */
    static List<Environment> merge(List<ConfigMap> records, List<StatefulSet> hosts) {
        Map<String, StatefulSet> hostById = new LinkedHashMap<>();
        for (StatefulSet sts : hosts) {
            if (sts.getMetadata().getDeletionTimestamp() == null) {
                String id = labels(sts.getMetadata()).get(ObjectLabels.INSTANCE);
                if (id != null) {
                    hostById.putIfAbsent(id, sts);
                }
            }
        }
        List<Environment> found = new ArrayList<>();
        Set<String> recorded = new HashSet<>();
        for (ConfigMap record : records) {
            if (record.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String id = labels(record.getMetadata()).get(ObjectLabels.INSTANCE);
            if (id == null) {
                continue;
            }
            recorded.add(id);
            Optional<StatefulSet> host = Optional.ofNullable(hostById.get(id));
            boolean complete = host.isPresent()
                && "true".equals(annotations(record.getMetadata()).get(ObjectLabels.COMPLETE));
            toEnvironment(record.getMetadata(), host.map(ReadinessWaiter::stsReady).orElse(false), complete,
                host.map(DockerHostActivity::read).orElse(EnvironmentActivity.UNRECORDED)).ifPresent(found::add);
        }
        hostById.forEach((id, sts) -> {
            if (!recorded.contains(id)) {
                toEnvironment(sts.getMetadata(), ReadinessWaiter.stsReady(sts), true, DockerHostActivity.read(sts))
                    .ifPresent(found::add);
            }
        });
        found.sort(Comparator.comparing((Environment e) -> e.createdAt().orElse(Instant.EPOCH)).reversed());
        return found;
    }

    /**
     * The environment a record or a docker-host StatefulSet describes (both carry the same annotations); empty when
     * they were tampered with.
     */
    private static Optional<Environment> toEnvironment(ObjectMeta meta, boolean ready, boolean complete,
        EnvironmentActivity activity) {
        Map<String, String> annotations = annotations(meta);
        Map<String, String> labels = labels(meta);
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
        String dockerHost = ObjectLabels.RECORD_COMPONENT.equals(labels.get(ObjectLabels.COMPONENT))
            ? annotations.getOrDefault(ObjectLabels.DOCKER_HOST, "") : meta.getName();
        return Optional.of(new Environment(environmentKey, id, meta.getNamespace(), dockerHost,
            annotations.getOrDefault(ObjectLabels.TEMPLATE_HASH, ""), createdAt(meta), ready,
            kinds.isBlank() ? List.of() : Arrays.asList(kinds.split(",")),
            labels.getOrDefault(ObjectLabels.OWNER, ""),
            io.kubepodenv.engine.DockerEndpoint.fromAnnotations(annotations.get(ObjectLabels.DOCKER_PORT),
                annotations.get(ObjectLabels.DOCKER_TLS)), complete, activity));
    }

    private static Map<String, String> labels(ObjectMeta meta) {
        return meta.getLabels() == null ? Map.of() : meta.getLabels();
    }

    private static Map<String, String> annotations(ObjectMeta meta) {
        return meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
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
