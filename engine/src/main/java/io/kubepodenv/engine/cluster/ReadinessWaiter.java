package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits until an environment's docker-host StatefulSet reports its replica ready and its pod is Ready, watching
 * both (no polling interval: a status change is noticed when the API server sends it). Progress lines follow the
 * pod's state; a container stuck for good fails at once; a timeout fails with the reasons found.
 */
public final class ReadinessWaiter {
    private final KubernetesClient client;
    private final String namespace;

    public ReadinessWaiter(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /**
     * Blocks until ready and returns the ready pod's name.
     *
     * @throws EnvironmentFailedException on timeout or a permanent failure, with the diagnosis
     */
    public String await(String statefulSet, String instanceId, Duration timeout, ProgressListener listener) {
        CompletableFuture<String> ready = new CompletableFuture<>();
        Object lock = new Object();
        String[] lastSummary = {null};
        SharedIndexInformer<?>[] informers = new SharedIndexInformer<?>[2];
        SharedIndexInformer<StatefulSet> stsInformer = null;
        SharedIndexInformer<Pod> podInformer = null;
        try {
            ResourceEventHandler<Object> onChange = new ResourceEventHandler<>() {
                @Override
                public void onAdd(Object obj) {
                    evaluate();
                }

                @Override
                public void onUpdate(Object oldObj, Object newObj) {
                    evaluate();
                }

                @Override
                public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
                    evaluate();
                }

                private void evaluate() {
                    synchronized (lock) {
                        check(statefulSet, instanceId, ready, lastSummary, listener, informers);
                    }
                }
            };
            stsInformer = client.apps().statefulSets().inNamespace(namespace).withName(statefulSet).runnableInformer(0)
                .addEventHandler(onChange);
            podInformer = client.pods().inNamespace(namespace).withLabel(ObjectLabels.INSTANCE, instanceId)
                .runnableInformer(0).addEventHandler(onChange);
            long deadline = System.nanoTime() + timeout.toNanos();
            java.util.concurrent.CompletableFuture<Void> synced = java.util.concurrent.CompletableFuture.allOf(
                stsInformer.start().toCompletableFuture(), podInformer.start().toCompletableFuture());
            synchronized (lock) {
                informers[0] = stsInformer;
                informers[1] = podInformer;
            }
            synced.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            synchronized (lock) {
                // Events that arrived while the first lists were loading were not judged; judge the lists now.
                check(statefulSet, instanceId, ready, lastSummary, listener, informers);
            }
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            return ready.get(left, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new EnvironmentFailedException("the environment did not become ready within "
                + Durations.format(timeout) + ": " + explain(statefulSet, instanceId));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EnvironmentFailedException failure) {
                throw failure;
            }
            throw ClusterErrors.failed("watch StatefulSet " + statefulSet, namespace, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentFailedException("interrupted while waiting for StatefulSet " + statefulSet);
        } catch (KubernetesClientException e) {
            throw ClusterErrors.failed("watch StatefulSet " + statefulSet, namespace, e);
        } finally {
            if (stsInformer != null) {
                stsInformer.stop();
            }
            if (podInformer != null) {
                podInformer.stop();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void check(String statefulSet, String instanceId, CompletableFuture<String> ready, String[] lastSummary,
        ProgressListener listener, SharedIndexInformer<?>[] informers) {
        if (ready.isDone() || informers[0] == null || informers[1] == null || !informers[0].hasSynced()
            || !informers[1].hasSynced()) {
            return; // until both first lists arrived, "not found" would only mean "not listed yet"
        }
        StatefulSet sts = ((SharedIndexInformer<StatefulSet>) informers[0]).getStore().list().stream().findFirst()
            .orElse(null);
        Pod pod = currentPod(statefulSet, ((SharedIndexInformer<Pod>) informers[1]).getStore().list());
        String summary = pod == null ? (sts == null ? "StatefulSet " + statefulSet + " not found yet" : "no pod yet")
            : PodDiagnosis.summary(pod);
        if (!summary.equals(lastSummary[0])) {
            lastSummary[0] = summary;
            listener.progress("waiting: " + summary);
        }
        String permanent = PodDiagnosis.permanentFailure(pod);
        if (permanent != null) {
            ready.completeExceptionally(new EnvironmentFailedException("the environment cannot become ready: "
                + permanent + explainDetails(statefulSet, instanceId, pod)));
            return;
        }
        if (sts != null && stsReady(sts) && pod != null && podReady(pod)) {
            ready.complete(pod.getMetadata().getName());
        }
    }

    private static Pod currentPod(String statefulSet, List<Pod> pods) {
        return pods.stream()
            .filter(p -> ownPod(statefulSet, p))
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .min(Comparator.comparing(p -> p.getMetadata().getName()))
            .orElse(null);
    }

    /**
     * Whether {@code pod} is one of {@code statefulSet}'s own pods ({@code <name>-<ordinal>}): the instance label
     * also selects the pods of the template's other StatefulSets, and one named {@code <name>-db} makes pods
     * {@code <name>-db-0} that merely start with {@code <name>-}.
     */
    static boolean ownPod(String statefulSet, Pod pod) {
        String name = pod.getMetadata() == null ? null : pod.getMetadata().getName();
        return name != null && name.length() > statefulSet.length() + 1 && name.startsWith(statefulSet + "-")
            && name.substring(statefulSet.length() + 1).chars().allMatch(c -> c >= '0' && c <= '9');
    }

    static boolean stsReady(StatefulSet sts) {
        Integer replicas = sts.getSpec() == null ? null : sts.getSpec().getReplicas();
        Integer readyReplicas = sts.getStatus() == null ? null : sts.getStatus().getReadyReplicas();
        return replicas != null && replicas > 0 && readyReplicas != null && readyReplicas >= replicas;
    }

    static boolean podReady(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    private String explain(String statefulSet, String instanceId) {
        List<Pod> pods = pods(instanceId).stream().filter(p -> ownPod(statefulSet, p)).toList();
        String state = pods.isEmpty() ? "no pod was created (look for FailedCreate below: admission or quota)"
            : pods.stream().map(PodDiagnosis::summary).reduce((a, b) -> a + "; " + b).orElse("");
        return state + explainDetails(statefulSet, instanceId, pods.isEmpty() ? null : pods.get(0));
    }

    private String explainDetails(String statefulSet, String instanceId, Pod pod) {
        List<String> lines = PodDiagnosis.details(client, namespace, statefulSet, instanceId,
            pod == null ? List.of() : List.of(pod));
        return lines.isEmpty() ? "" : "\n  " + String.join("\n  ", lines);
    }

    private List<Pod> pods(String instanceId) {
        try {
            return client.pods().inNamespace(namespace).withLabel(ObjectLabels.INSTANCE, instanceId).list().getItems()
                .stream().filter(Objects::nonNull).toList();
        } catch (KubernetesClientException e) {
            return List.of();
        }
    }
}
