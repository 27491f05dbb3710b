package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.template.Manifest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record of one environment: a small ConfigMap, created before any object of the template, that every other
 * namespaced object of the environment names in {@code metadata.ownerReferences} (the claims of the docker-host's
 * volumeClaimTemplates too). Deleting it lets the cluster's garbage collector delete whatever the environment still
 * has, so an {@code up} killed at any point leaves nothing that outlives its record; and lookups find environments
 * through it, whether or not their StatefulSet was ever applied.
 *
 * <p>A ConfigMap because every namespace serves it, the bundled template already needs its permissions, it holds
 * labels and annotations and nothing else is asked of it (no controller acts on it), and it costs a few hundred bytes
 * of etcd. The owner references carry no {@code blockOwnerDeletion}, which would need the {@code update} permission
 * on {@code configmaps/finalizers}; deletions wait for objects explicitly instead (see {@link EnvironmentDeleter}).
 *
 * <p>Labels: the environment's identity (managed-by, instance, key, key hash, owner) and
 * {@code app.kubernetes.io/component: environment-record}. Annotations: those of the docker-host StatefulSet (whole
 * key, template hash, creation time, kinds, Docker endpoint, caller attributes), the StatefulSet's name and, once every
 * object was applied, {@code kube-pod-env.io/complete: "true"}.
 */
public final class EnvironmentRecord {
    public static final String API_VERSION = "v1";
    public static final String KIND = "ConfigMap";
    private static final List<String> IDENTITY = List.of(ObjectLabels.MANAGED_BY, ObjectLabels.INSTANCE,
        ObjectLabels.KEY, ObjectLabels.KEY_HASH, ObjectLabels.OWNER);

    private EnvironmentRecord() {
    }

    /** The name of the record of instance {@code instanceId}. */
    public static String name(String instanceId) {
        return io.kubepodenv.engine.template.EnvironmentTemplate.RECORD_PREFIX + instanceId;
    }

    /** The labels that select the records of the namespace. */
    static Map<String, String> selector() {
        return Map.of(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE,
            ObjectLabels.COMPONENT, ObjectLabels.RECORD_COMPONENT);
    }

    /** The record of {@code manifest}, built from the identity stamped on its docker-host StatefulSet. */
    static ConfigMap of(Manifest manifest, String namespace) {
        Map<String, Object> hostMetadata = manifest.dockerHost().metadata();
        Map<String, String> labels = new LinkedHashMap<>();
        Map<?, ?> hostLabels = (Map<?, ?>) hostMetadata.get("labels");
        for (String name : IDENTITY) {
            if (hostLabels.get(name) instanceof String value) {
                labels.put(name, value);
            }
        }
        labels.put(ObjectLabels.COMPONENT, ObjectLabels.RECORD_COMPONENT);
        Map<String, String> annotations = new LinkedHashMap<>();
        ((Map<?, ?>) hostMetadata.get("annotations")).forEach((name, value) -> {
            if (name instanceof String n && n.startsWith(ObjectLabels.PREFIX) && value instanceof String v) {
                annotations.put(n, v);
            }
        });
        annotations.put(ObjectLabels.DOCKER_HOST, manifest.dockerHost().name());
        return new ConfigMapBuilder().withNewMetadata().withName(name(manifest.instanceId())).withNamespace(namespace)
            .withLabels(labels).withAnnotations(annotations).endMetadata().build();
    }

    /**
     * Creates the record of {@code manifest} and returns the owner reference its objects carry.
     *
     * @throws io.kubepodenv.engine.EnvironmentFailedException when the cluster refuses
     */
    static OwnerReference create(KubernetesClient client, String namespace, Manifest manifest) {
        ConfigMap wanted = of(manifest, namespace);
        ConfigMap created;
        try {
            created = client.configMaps().inNamespace(namespace).resource(wanted).create();
        } catch (KubernetesClientException e) {
            created = e.getCode() == 409 ? sameInstance(client, namespace, wanted) : null;
            if (created == null) {
                throw ClusterErrors.failed("create the environment's record (ConfigMap " + name(manifest.instanceId())
                    + ")", namespace, e);
            }
        }
        return new OwnerReferenceBuilder().withApiVersion(API_VERSION).withKind(KIND)
            .withName(created.getMetadata().getName()).withUid(created.getMetadata().getUid()).build();
    }

    /**
     * The record that already exists under {@code wanted}'s name when it is the record of the same instance and key (a
     * manifest applied again), so that applying is repeatable; null otherwise.
     */
    private static ConfigMap sameInstance(KubernetesClient client, String namespace, ConfigMap wanted) {
        ConfigMap existing = client.configMaps().inNamespace(namespace).withName(wanted.getMetadata().getName()).get();
        if (existing == null || existing.getMetadata().getDeletionTimestamp() != null
            || existing.getMetadata().getLabels() == null) {
            return null;
        }
        Map<String, String> have = existing.getMetadata().getLabels();
        Map<String, String> want = wanted.getMetadata().getLabels();
        boolean same = java.util.Objects.equals(have.get(ObjectLabels.INSTANCE), want.get(ObjectLabels.INSTANCE))
            && java.util.Objects.equals(have.get(ObjectLabels.KEY_HASH), want.get(ObjectLabels.KEY_HASH))
            && ObjectLabels.RECORD_COMPONENT.equals(have.get(ObjectLabels.COMPONENT));
        return same ? existing : null;
    }

    /** Marks the record of {@code instanceId} complete: every object of its template was applied. */
    static void markComplete(KubernetesClient client, String namespace, String instanceId) {
        try {
            client.configMaps().inNamespace(namespace).withName(name(instanceId)).edit(c -> new ConfigMapBuilder(c)
                .editMetadata().addToAnnotations(ObjectLabels.COMPLETE, "true").endMetadata().build());
        } catch (KubernetesClientException e) {
            throw ClusterErrors.failed("mark the environment's record (ConfigMap " + name(instanceId)
                + ") complete", namespace, e);
        }
    }
}
