package io.kubepodenv.engine.tunnel;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locates the Ready pod of a StatefulSet: the Ready pod with the lowest ordinal that is not being deleted.
 *
 * <p>One request in the usual case: a GET of pod {@code <name>-0}, taken when the StatefulSet owns it and it is
 * Ready. Otherwise (no such pod, not Ready, owned by something else) the StatefulSet is read and the pods matching its
 * selector are listed, which also tells why there is no Ready pod.
 *
 * <p>{@link #watching} keeps a watch on pod {@code <name>-0} instead: while the watch holds it Ready and owned by the
 * StatefulSet, no request is made at all; in every other case (the watch not in step yet, or refused, the pod not
 * Ready) the lookup above runs. {@link #close()} ends the watch.
 */
public final class StatefulSetPodLocator implements PodLocator {
    private static final Logger LOG = LoggerFactory.getLogger(StatefulSetPodLocator.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String statefulSet;
    private final SharedIndexInformer<Pod> watch;

    public StatefulSetPodLocator(KubernetesClient client, String namespace, String statefulSet) {
        this(client, namespace, statefulSet, false);
    }

    private StatefulSetPodLocator(KubernetesClient client, String namespace, String statefulSet, boolean watching) {
        this.client = Objects.requireNonNull(client, "client");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.statefulSet = Objects.requireNonNull(statefulSet, "statefulSet");
        this.watch = watching ? startWatch() : null;
    }

    /**
     * A locator that watches pod {@code <name>-0} (one watch request, then none per lookup while the pod is Ready).
     * Close it (the tunnel does) to end the watch.
     */
    public static StatefulSetPodLocator watching(KubernetesClient client, String namespace, String statefulSet) {
        return new StatefulSetPodLocator(client, namespace, statefulSet, true);
    }

    private SharedIndexInformer<Pod> startWatch() {
        try {
            SharedIndexInformer<Pod> informer = client.pods().inNamespace(namespace).withName(statefulSet + "-0")
                    .runnableInformer(0);
            informer.start().whenComplete((ok, error) -> {
                if (error != null) {
                    LOG.debug("no watch on the pod of {}: {}", describe(), error.toString());
                }
            });
            return informer;
        } catch (RuntimeException e) {
            LOG.debug("no watch on the pod of {}: {}", describe(), e.toString());
            return null;
        }
    }

    /** Whether the watch has caught up with the server (for tests). */
    boolean isInStep() {
        return watch != null && watch.hasSynced();
    }

    /** Whether the watch is running (for tests). */
    boolean isWatching() {
        return watch != null && watch.isRunning();
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }

    @Override
    public String readyPod() {
        if (watch != null && watch.hasSynced()) {
            Pod watched = watch.getStore().getByKey(namespace + "/" + statefulSet + "-0");
            if (watched != null && ownedBySet(watched) && isReady(watched)) {
                return watched.getMetadata().getName();
            }
        }
        List<Pod> pods;
        try {
            Pod first = firstPod();
            if (first != null && ownedBySet(first) && isReady(first)) {
                return first.getMetadata().getName();
            }
            StatefulSet set = client.apps().statefulSets().inNamespace(namespace).withName(statefulSet).get();
            if (set == null) {
                throw new NoReadyPodException(describe() + " does not exist (was the environment deleted?)");
            }
            if (set.getSpec() == null || set.getSpec().getSelector() == null) {
                throw new NoReadyPodException(describe() + " has no pod selector");
            }
            pods = client.pods().inNamespace(namespace).withLabelSelector(set.getSpec().getSelector()).list().getItems();
        } catch (KubernetesClientException e) {
            throw new TunnelException("cannot look up the pods of " + describe() + ": HTTP " + e.getCode() + " "
                    + Objects.toString(e.getStatus() == null ? null : e.getStatus().getMessage(), e.getMessage()), e);
        }
        List<Pod> owned = new ArrayList<>(pods);
        owned.sort(Comparator.comparingInt(this::ordinal).thenComparing(p -> p.getMetadata().getName()));
        for (Pod pod : owned) {
            if (isReady(pod)) {
                return pod.getMetadata().getName();
            }
        }
        if (owned.isEmpty()) {
            throw new NoReadyPodException(describe() + " has no pods");
        }
        List<String> states = new ArrayList<>();
        for (Pod pod : owned) {
            states.add(pod.getMetadata().getName() + " " + state(pod));
        }
        throw new NoReadyPodException(describe() + " has no Ready pod: " + String.join(", ", states));
    }

    @Override
    public String describe() {
        return "StatefulSet " + namespace + "/" + statefulSet;
    }

    /** Pod {@code <name>-0}, or null when it does not exist or may not be read (the full lookup then decides). */
    private Pod firstPod() {
        try {
            return client.pods().inNamespace(namespace).withName(statefulSet + "-0").get();
        } catch (KubernetesClientException e) {
            return null;
        }
    }

    private boolean ownedBySet(Pod pod) {
        return pod.getMetadata().getOwnerReferences() != null && pod.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> "StatefulSet".equals(o.getKind()) && statefulSet.equals(o.getName())
                        && Boolean.TRUE.equals(o.getController()));
    }

    static boolean isReady(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
            return false;
        }
        if (!"Running".equals(pod.getStatus().getPhase())) {
            return false;
        }
        List<PodCondition> conditions = pod.getStatus().getConditions();
        return conditions != null && conditions.stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String state(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return "is being deleted";
        }
        if (pod.getStatus() == null || pod.getStatus().getPhase() == null) {
            return "has no status yet";
        }
        StringBuilder s = new StringBuilder("is ").append(pod.getStatus().getPhase());
        List<ContainerStatus> containers = pod.getStatus().getContainerStatuses();
        if (containers != null) {
            for (ContainerStatus c : containers) {
                if (c.getState() != null && c.getState().getWaiting() != null) {
                    s.append(" (").append(c.getName()).append(": ").append(c.getState().getWaiting().getReason())
                            .append(')');
                } else if (!Boolean.TRUE.equals(c.getReady())) {
                    s.append(" (").append(c.getName()).append(": not ready)");
                }
            }
        }
        if ("Running".equals(pod.getStatus().getPhase()) && containers == null) {
            s.append(", not Ready");
        }
        return s.toString();
    }

    private int ordinal(Pod pod) {
        String name = pod.getMetadata().getName();
        String prefix = statefulSet + "-";
        if (name.startsWith(prefix)) {
            try {
                return Integer.parseInt(name.substring(prefix.length()));
            } catch (NumberFormatException e) {
                return Integer.MAX_VALUE;
            }
        }
        return Integer.MAX_VALUE;
    }
}
