package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Deletes every object that carries an environment's labels, kind by kind: workloads first, claims after them, so
 * that no volume outlives its environment. Idempotent: objects already gone are not an error.
 *
 * <p>Kinds searched: those recorded on the environment's record (or, for an environment made before records, its
 * docker-host StatefulSet), those of the current template, and those of the bundled template, which include the
 * record's own kind. The record is deleted last; every object of the environment names it as its owner, so whatever
 * this deletion does not reach (an object of a kind nobody recorded) is deleted by the cluster's garbage collector
 * once the record is gone. A wait covers the objects found and the environment's pods.
 */
public final class EnvironmentDeleter {
    /** The kinds of the bundled template, claims included: searched even when nothing records them. */
    public static final List<String> BASE_KINDS = List.of("apps/v1/StatefulSet", "v1/ServiceAccount", "v1/ConfigMap",
        "networking.k8s.io/v1/NetworkPolicy", "v1/PersistentVolumeClaim");
    private static final List<String> FIRST = List.of("StatefulSet", "Deployment", "ReplicaSet", "DaemonSet", "Job",
        "CronJob");

    private final KubernetesClient client;
    private final String namespace;

    public EnvironmentDeleter(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** What a deletion removed. */
    public record Result(List<String> deleted, List<String> skippedKinds) {
        public Result {
            deleted = List.copyOf(deleted);
            skippedKinds = List.copyOf(skippedKinds);
        }
    }

    /**
     * Deletes the objects selected by {@code labels} of every kind in {@code kinds} (plus {@link #BASE_KINDS}).
     *
     * @param wait wait until the objects and the pods of the environment are gone
     * @param timeout bound of that wait
     */
    public Result delete(Map<String, String> labels, Collection<String> kinds, boolean wait, Duration timeout,
        ProgressListener listener) {
        Map<String, String> selector = new java.util.LinkedHashMap<>(labels);
        selector.put(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE);
        return deleteMatching(selector, object -> true, kinds, wait, timeout, listener);
    }

    /**
     * Deletes the objects of several environments at once: one list call per kind for all of them, then one delete
     * call per object.
     */
    public Result deleteInstances(Set<String> instanceIds, Collection<String> kinds, boolean wait, Duration timeout,
        ProgressListener listener) {
        Map<String, String> selector = Map.of(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE);
        return deleteMatching(selector, object -> {
            Map<String, String> objectLabels = object.getMetadata().getLabels();
            return objectLabels != null && instanceIds.contains(objectLabels.get(ObjectLabels.INSTANCE));
        }, kinds, wait, timeout, listener);
    }

    private Result deleteMatching(Map<String, String> selector,
        java.util.function.Predicate<GenericKubernetesResource> filter, Collection<String> kinds, boolean wait,
        Duration timeout, ProgressListener listener) {
        List<String> ordered = order(kinds);
        List<GenericKubernetesResource> found = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String kind : ordered) {
            int slash = kind.lastIndexOf('/');
            String apiVersion = kind.substring(0, slash);
            String kindName = kind.substring(slash + 1);
            try {
                // Each object is deleted by the kind it was listed as: some clients leave the kind of list items
                // empty, and a null kind cannot be deleted.
                for (GenericKubernetesResource object : client.genericKubernetesResources(apiVersion, kindName)
                    .inNamespace(namespace).withLabels(selector).list().getItems()) {
                    if (filter.test(object)) {
                        object.setApiVersion(apiVersion);
                        object.setKind(kindName);
                        found.add(object);
                    }
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404 || e.getCode() == 0 && isUnknownKind(e)) {
                    skipped.add(kind);
                    listener.warning("kind " + kind + " is not served by the cluster; nothing of it to delete");
                    continue;
                }
                throw ClusterErrors.failed("list " + kind + " objects to delete", namespace, e);
            }
        }
        // The records go last: an interrupted deletion leaves them, so the environment is still found and deleted
        // (and whatever they still own goes with them, by the cluster's garbage collector).
        found.sort(java.util.Comparator.comparing(EnvironmentDeleter::isRecord));
        List<String> deleted = new ArrayList<>();
        for (GenericKubernetesResource object : found) {
            String what = object.getKind() + " " + object.getMetadata().getName();
            try {
                client.genericKubernetesResources(object.getApiVersion(), object.getKind()).inNamespace(namespace)
                    .withName(object.getMetadata().getName())
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    continue;
                }
                throw ClusterErrors.failed("delete " + what, namespace, e);
            }
            deleted.add(what);
            listener.progress("deleted " + what);
        }
        if (wait) {
            awaitGone(found, selector, filter, timeout, listener);
        }
        return new Result(deleted, skipped);
    }

    private void awaitGone(List<GenericKubernetesResource> objects, Map<String, String> selector,
        java.util.function.Predicate<GenericKubernetesResource> filter, Duration timeout, ProgressListener listener) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> remaining = new ArrayList<>();
        for (GenericKubernetesResource object : objects) {
            if (!waitGone(object, deadline)) {
                remaining.add(object.getKind() + " " + object.getMetadata().getName()
                    + finalizers(object));
            }
        }
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        java.util.concurrent.CompletableFuture<List<io.fabric8.kubernetes.api.model.Pod>> podsGone = client.pods()
            .inNamespace(namespace).withLabels(selector)
            .informOnCondition(pods -> pods.stream().noneMatch(p -> filter.test(asGeneric(p))));
        try {
            podsGone.get(left, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // The watch may lag behind the deletions: what counts is what a fresh list still shows.
            List<String> pods = client.pods().inNamespace(namespace).withLabels(selector).list().getItems()
                .stream().filter(p -> filter.test(asGeneric(p))).map(p -> p.getMetadata().getName()).toList();
            if (!pods.isEmpty()) {
                remaining.add("pods " + pods);
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw ClusterErrors.failed("watch the environment's pods", namespace, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentFailedException("interrupted while waiting for deletion");
        } finally {
            podsGone.cancel(true); // stops the informer behind the future
        }
        if (!remaining.isEmpty()) {
            throw new EnvironmentFailedException("deletion requested, but after " + Durations.format(timeout)
                + " these still exist: " + String.join(", ", remaining));
        }
        listener.progress("all objects are gone");
    }

    private boolean waitGone(GenericKubernetesResource object, long deadline) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            return client.genericKubernetesResources(object.getApiVersion(), object.getKind()).inNamespace(namespace)
                .withName(object.getMetadata().getName()).get() == null;
        }
        try {
            client.genericKubernetesResources(object.getApiVersion(), object.getKind()).inNamespace(namespace)
                .withName(object.getMetadata().getName()).waitUntilCondition(Objects::isNull, left,
                    TimeUnit.MILLISECONDS);
            return true;
        } catch (io.fabric8.kubernetes.client.KubernetesClientTimeoutException e) {
            return false;
        } catch (KubernetesClientException e) {
            throw ClusterErrors.failed("wait for the deletion of " + object.getKind() + " "
                + object.getMetadata().getName(), namespace, e);
        }
    }

    private static boolean isRecord(GenericKubernetesResource object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        return EnvironmentRecord.KIND.equals(object.getKind()) && labels != null
            && ObjectLabels.RECORD_COMPONENT.equals(labels.get(ObjectLabels.COMPONENT));
    }

    private static GenericKubernetesResource asGeneric(io.fabric8.kubernetes.api.model.Pod pod) {
        GenericKubernetesResource g = new GenericKubernetesResource();
        g.setMetadata(pod.getMetadata());
        return g;
    }

    private static String finalizers(GenericKubernetesResource object) {
        List<String> f = object.getMetadata().getFinalizers();
        return f == null || f.isEmpty() ? "" : " (finalizers: " + String.join(", ", f) + ")";
    }

    /** Workloads first (their pods hold the claims), claims last, the rest in between. */
    static List<String> order(Collection<String> kinds) {
        Set<String> all = new LinkedHashSet<>(kinds);
        all.addAll(BASE_KINDS);
        List<String> result = new ArrayList<>();
        for (String first : FIRST) {
            all.stream().filter(k -> k.endsWith("/" + first)).forEach(result::add);
        }
        all.stream().filter(k -> !result.contains(k) && !k.endsWith("/PersistentVolumeClaim")).forEach(result::add);
        all.stream().filter(k -> k.endsWith("/PersistentVolumeClaim")).forEach(result::add);
        return result;
    }

    private static boolean isUnknownKind(KubernetesClientException e) {
        String m = e.getMessage();
        return m != null && (m.contains("Could not find") || m.contains("not found"));
    }
}
