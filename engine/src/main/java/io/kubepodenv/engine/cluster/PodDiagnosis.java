package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;

/** Explains, in a few lines, why an environment's pod is not ready: pod state, container reasons, claims, events. */
final class PodDiagnosis {
    /** Waiting reasons that will not heal without a change to the template or the cluster. */
    static final Set<String> PERMANENT_REASONS = Set.of("InvalidImageName", "ErrImageNeverPull",
        "CreateContainerConfigError");

    private PodDiagnosis() {
    }

    /** One line for the pod's current state, e.g. "Pending: container docker waiting (ImagePullBackOff: ...)". */
    static String summary(Pod pod) {
        if (pod == null) {
            return "no pod yet";
        }
        StringBuilder out = new StringBuilder(pod.getMetadata().getName()).append(": ");
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return out.append("terminating").toString();
        }
        String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending"
            : pod.getStatus().getPhase();
        out.append(phase);
        List<String> details = new ArrayList<>();
        if (pod.getStatus() != null) {
            for (PodCondition c : nonNull(pod.getStatus().getConditions())) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                    details.add("not scheduled (" + c.getReason() + ": " + c.getMessage() + ")");
                }
            }
            for (ContainerStatus s : nonNull(pod.getStatus().getContainerStatuses())) {
                if (s.getState() != null && s.getState().getWaiting() != null) {
                    ContainerStateWaiting w = s.getState().getWaiting();
                    details.add("container " + s.getName() + " waiting (" + w.getReason()
                        + (w.getMessage() == null ? "" : ": " + w.getMessage()) + ")");
                } else if (s.getState() != null && s.getState().getTerminated() != null) {
                    ContainerStateTerminated t = s.getState().getTerminated();
                    details.add("container " + s.getName() + " exited " + t.getExitCode() + " (" + t.getReason()
                        + ")");
                } else if (!Boolean.TRUE.equals(s.getReady())) {
                    details.add("container " + s.getName() + " running, not ready"
                        + (s.getRestartCount() != null && s.getRestartCount() > 0
                            ? " (" + s.getRestartCount() + " restarts)" : ""));
                }
            }
        }
        if (!details.isEmpty()) {
            out.append(", ").append(String.join(", ", details));
        }
        return out.toString();
    }

    /** The reason a container is stuck for good, if any. */
    static String permanentFailure(Pod pod) {
        if (pod == null || pod.getStatus() == null) {
            return null;
        }
        for (ContainerStatus s : nonNull(pod.getStatus().getContainerStatuses())) {
            ContainerStateWaiting w = s.getState() == null ? null : s.getState().getWaiting();
            if (w != null && PERMANENT_REASONS.contains(w.getReason())) {
                return "container " + s.getName() + ": " + w.getReason()
                    + (w.getMessage() == null ? "" : ": " + w.getMessage());
            }
        }
        return null;
    }

    /** Claims that are not bound, and the most recent events about the StatefulSet, its pods and its claims. */
    static List<String> details(KubernetesClient client, String namespace, String statefulSet, String instanceId,
        List<Pod> pods) {
        List<String> lines = new ArrayList<>();
        Set<String> involved = new HashSet<>();
        involved.add(statefulSet);
        pods.forEach(p -> involved.add(p.getMetadata().getName()));
        try {
            for (PersistentVolumeClaim claim : client.persistentVolumeClaims().inNamespace(namespace)
                .withLabel(ObjectLabels.INSTANCE, instanceId).list().getItems()) {
                involved.add(claim.getMetadata().getName());
                String phase = claim.getStatus() == null ? null : claim.getStatus().getPhase();
                if (!"Bound".equals(phase)) {
                    lines.add("claim " + claim.getMetadata().getName() + " is " + (phase == null ? "Pending" : phase)
                        + " (storage class " + Objects.requireNonNullElse(claim.getSpec().getStorageClassName(),
                            "default") + ")");
                }
            }
            List<Event> events = client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null && involved.contains(e.getInvolvedObject().getName()))
                .sorted(Comparator.comparing(PodDiagnosis::eventTime))
                .toList();
            events.stream().skip(Math.max(0, events.size() - 10)).forEach(e -> lines.add("event "
                + e.getInvolvedObject().getKind() + "/" + e.getInvolvedObject().getName() + ": " + e.getType() + " "
                + e.getReason() + ": " + e.getMessage()));
        } catch (KubernetesClientException e) {
            lines.add("(could not read claims or events: " + ClusterErrors.explain(e, namespace) + ")");
        }
        return lines;
    }

    private static String eventTime(Event e) {
        String t = e.getLastTimestamp() != null ? e.getLastTimestamp()
            : e.getEventTime() != null ? e.getEventTime().getTime() : e.getFirstTimestamp();
        return t == null ? "" : t;
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
