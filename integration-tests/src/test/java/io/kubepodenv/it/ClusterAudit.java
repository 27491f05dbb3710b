package io.kubepodenv.it;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What is left in a namespace: every object of every namespaced kind the API server serves (found by discovery, not
 * from a list of ours) that carries a label, plus the pods and claims whatever their labels.
 */
final class ClusterAudit {
    private ClusterAudit() {
    }

    /** An object as found: {@code group/version Kind name}, its uid and labels. */
    record Found(String kind, String name, String uid, Map<String, String> labels) {
        @Override
        public String toString() {
            return kind + " " + name;
        }
    }

    /** Every object in {@code namespace}, of any namespaced kind, that has {@code label=value}. */
    static List<Found> labelled(KubernetesClient client, String namespace, String label, String value) {
        List<Found> found = new ArrayList<>();
        for (ResourceDefinitionContext kind : namespacedKinds(client)) {
            for (GenericKubernetesResource r : client.genericKubernetesResources(kind).inNamespace(namespace)
                .withLabel(label, value).list().getItems()) {
                found.add(new Found(kind.getGroup() + "/" + kind.getVersion() + " " + kind.getKind(),
                    r.getMetadata().getName(), r.getMetadata().getUid(),
                    r.getMetadata().getLabels() == null ? Map.of() : Map.copyOf(r.getMetadata().getLabels())));
            }
        }
        return found;
    }

    /** Every object of kube-pod-env in {@code namespace}. */
    static List<Found> managed(KubernetesClient client, String namespace) {
        return labelled(client, namespace, ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE);
    }

    /** Objects of kube-pod-env, pods, claims and leases (the lock): what must be gone after {@code down} or a failed {@code up}. */
    static List<String> leftovers(KubernetesClient client, String namespace) {
        List<String> left = new ArrayList<>();
        managed(client, namespace).forEach(f -> left.add(f.toString()));
        client.pods().inNamespace(namespace).list().getItems()
            .forEach(p -> left.add("pod " + p.getMetadata().getName()));
        client.persistentVolumeClaims().inNamespace(namespace).list().getItems()
            .forEach(c -> left.add("claim " + c.getMetadata().getName()));
        client.leases().inNamespace(namespace).list().getItems()
            .forEach(l -> left.add("lease " + l.getMetadata().getName()));
        return left;
    }

    /** The namespaced, listable kinds the API server serves, one (preferred) version per group. */
    static List<ResourceDefinitionContext> namespacedKinds(KubernetesClient client) {
        Map<String, String> groupVersions = new LinkedHashMap<>();
        groupVersions.put("", "v1");
        for (APIGroup group : client.getApiGroups().getGroups()) {
            GroupVersionForDiscovery preferred = group.getPreferredVersion() != null ? group.getPreferredVersion()
                : group.getVersions().get(0);
            groupVersions.put(group.getName(), preferred.getVersion());
        }
        List<ResourceDefinitionContext> kinds = new ArrayList<>();
        for (Map.Entry<String, String> gv : groupVersions.entrySet()) {
            String groupVersion = gv.getKey().isEmpty() ? gv.getValue() : gv.getKey() + "/" + gv.getValue();
            APIResourceList resources = client.getApiResources(groupVersion);
            if (resources == null) {
                continue;
            }
            for (APIResource r : resources.getResources()) {
                if (Boolean.TRUE.equals(r.getNamespaced()) && !r.getName().contains("/")
                    && r.getVerbs() != null && r.getVerbs().contains("list")) {
                    kinds.add(new ResourceDefinitionContext.Builder().withGroup(gv.getKey())
                        .withVersion(gv.getValue()).withPlural(r.getName()).withKind(r.getKind())
                        .withNamespaced(true).build());
                }
            }
        }
        if (kinds.size() < 10) {
            throw new AssertionError("discovery found only " + kinds.size() + " namespaced kinds: " + kinds);
        }
        return kinds;
    }
}
