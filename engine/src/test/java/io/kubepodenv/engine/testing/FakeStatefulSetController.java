package io.kubepodenv.engine.testing;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Plays the StatefulSet controller (and the bits of kubelet and garbage collector a test needs) against the fabric8
 * mock, which has none of them.
 *
 * <p>For each StatefulSet in its namespace it creates claims {@code <template>-<set>-<ordinal>} from the
 * volumeClaimTemplates (labels from the template and the selector, phase Bound) and pods {@code <set>-<ordinal>} with
 * the pod template's labels and containers and an owner reference to the set; the pods then behave as
 * {@link #behaviour(PodBehaviour)} says (ready, never ready, ImagePullBackOff, InvalidImageName, ready after a delay),
 * with a Warning event where a kubelet would write one. It keeps the set's status (replicas, readyReplicas,
 * currentReplicas, updatedReplicas, availableReplicas, observedGeneration) up to date through the status
 * subresource. When a set is deleted it deletes its pods, and its claims when
 * {@code persistentVolumeClaimRetentionPolicy.whenDeleted} is {@code Delete}, as the garbage collector would.
 *
 * <p>All work runs on one thread, in the order events arrive; {@link #close()} stops it and the watch.
 */
public final class FakeStatefulSetController implements AutoCloseable {
    private static final Pattern ORDINAL = Pattern.compile("\\d+");

    private final KubernetesClient client;
    private final String namespace;
    private final ScheduledExecutorService worker;
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private volatile PodBehaviour behaviour = PodBehaviour.ready();
    private SharedIndexInformer<StatefulSet> informer;

    public FakeStatefulSetController(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-statefulset-controller");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts watching; returns once the initial list is in. */
    public FakeStatefulSetController start() {
        informer = client.apps().statefulSets().inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(StatefulSet set) {
                submit(() -> reconcile(set.getMetadata().getName()));
            }

            @Override
            public void onUpdate(StatefulSet oldSet, StatefulSet newSet) {
                submit(() -> reconcile(newSet.getMetadata().getName()));
            }

            @Override
            public void onDelete(StatefulSet set, boolean deletedFinalStateUnknown) {
                submit(() -> collectGarbage(set));
            }
        }, 0);
        return this;
    }

    /** How pods created from now on behave. */
    public void behaviour(PodBehaviour value) {
        this.behaviour = Objects.requireNonNull(value);
    }

    /** Unexpected failures of the controller's own requests (a test may assert there were none). */
    public List<Throwable> errors() {
        return List.copyOf(errors);
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
                errors.add(new IllegalStateException("controller thread did not stop"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void submit(Runnable work) {
        if (!worker.isShutdown()) {
            worker.execute(() -> guarded(work));
        }
    }

    private void guarded(Runnable work) {
        try {
            work.run();
        } catch (KubernetesClientException e) {
            // 404/409: the object went away or changed under us, as it does when the engine deletes concurrently;
            // anything during close() is the interrupt that stops us
            if (e.getCode() != 404 && e.getCode() != 409 && !worker.isShutdown()) {
                errors.add(e);
            }
        } catch (RuntimeException e) {
            if (!worker.isShutdown()) {
                errors.add(e);
            }
        }
    }

    private void reconcile(String name) {
        StatefulSet set = client.apps().statefulSets().inNamespace(namespace).withName(name).get();
        if (set == null || set.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        // The API server defaults replicas to 1; the mock does not default anything.
        int replicas = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
        List<Pod> pods = new ArrayList<>();
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            ensureClaims(set, ordinal);
            pods.add(ensurePod(set, ordinal));
        }
        updateStatus(set, pods);
    }

    private void ensureClaims(StatefulSet set, int ordinal) {
        if (set.getSpec().getVolumeClaimTemplates() == null) {
            return;
        }
        for (PersistentVolumeClaim template : set.getSpec().getVolumeClaimTemplates()) {
            String name = template.getMetadata().getName() + "-" + set.getMetadata().getName() + "-" + ordinal;
            if (client.persistentVolumeClaims().inNamespace(namespace).withName(name).get() != null) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (template.getMetadata().getLabels() != null) {
                labels.putAll(template.getMetadata().getLabels());
            }
            if (set.getSpec().getSelector() != null && set.getSpec().getSelector().getMatchLabels() != null) {
                labels.putAll(set.getSpec().getSelector().getMatchLabels());
            }
            PersistentVolumeClaimBuilder claim = new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).endMetadata()
                .withSpec(template.getSpec())
                .withNewStatus().withPhase("Bound").endStatus();
            if (deletesClaimsWithSet(set)) {
                claim.editMetadata().withOwnerReferences(ownerReference(set)).endMetadata();
            }
            client.persistentVolumeClaims().inNamespace(namespace).resource(claim.build()).create();
        }
    }

    private Pod ensurePod(StatefulSet set, int ordinal) {
        String name = set.getMetadata().getName() + "-" + ordinal;
        Pod existing = client.pods().inNamespace(namespace).withName(name).get();
        if (existing != null) {
            return existing;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (set.getSpec().getTemplate().getMetadata() != null
            && set.getSpec().getTemplate().getMetadata().getLabels() != null) {
            labels.putAll(set.getSpec().getTemplate().getMetadata().getLabels());
        }
        labels.put("statefulset.kubernetes.io/pod-name", name);
        labels.put("apps.kubernetes.io/pod-index", String.valueOf(ordinal));
        PodSpec spec = set.getSpec().getTemplate().getSpec();
        if (set.getSpec().getVolumeClaimTemplates() != null) {
            if (spec.getVolumes() == null) {
                spec.setVolumes(new ArrayList<>());
            }
            for (PersistentVolumeClaim template : set.getSpec().getVolumeClaimTemplates()) {
                String claim = template.getMetadata().getName() + "-" + set.getMetadata().getName() + "-" + ordinal;
                spec.getVolumes().add(new VolumeBuilder().withName(template.getMetadata().getName())
                    .withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim().build());
            }
        }
        PodBehaviour now = behaviour;
        Pod pod = new PodBuilder()
            .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
            .withOwnerReferences(ownerReference(set)).endMetadata()
            .withSpec(spec)
            .withStatus(podStatus(spec, now.mode() == PodBehaviour.Mode.READY ? null : now.mode()))
            .build();
        Pod created = client.pods().inNamespace(namespace).resource(pod).create();
        String image = spec.getContainers().get(0).getImage();
        switch (now.mode()) {
            case IMAGE_PULL_BACK_OFF -> event(name, "Failed", "Failed to pull image \"" + image
                + "\": rpc error: code = NotFound desc = manifest unknown");
            case INVALID_IMAGE_NAME -> event(name, "InspectFailed", "Failed to apply default image tag \"" + image
                + "\": couldn't parse image name: invalid reference format");
            case NEVER_READY -> event(name, "Unhealthy", "Readiness probe failed: Get \"http://10.0.0.1:2375/_ping\": "
                + "dial tcp 10.0.0.1:2375: connect: connection refused");
            case READY_AFTER -> worker.schedule(() -> guarded(() -> becomeReady(set.getMetadata().getName(), name)),
                now.readyAfter().toMillis(), TimeUnit.MILLISECONDS);
            default -> {
            }
        }
        return created;
    }

    private void becomeReady(String set, String pod) {
        Pod current = client.pods().inNamespace(namespace).withName(pod).get();
        if (current == null) {
            return;
        }
        client.pods().inNamespace(namespace).withName(pod)
            .editStatus(p -> new PodBuilder(p).withStatus(podStatus(p.getSpec(), null)).build());
        reconcile(set);
    }

    /** A pod status; {@code failure} null means Running and Ready. */
    private static PodStatus podStatus(PodSpec spec, PodBehaviour.Mode failure) {
        boolean ready = failure == null;
        boolean started = ready || failure == PodBehaviour.Mode.NEVER_READY || failure == PodBehaviour.Mode.READY_AFTER;
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        List<ContainerStatus> containers = new ArrayList<>();
        spec.getContainers().forEach(c -> {
            ContainerStatusBuilder status = new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
                .withReady(ready).withStarted(started).withRestartCount(0);
            if (started) {
                status.withNewState().withNewRunning().withStartedAt(now).endRunning().endState();
            } else if (failure == PodBehaviour.Mode.IMAGE_PULL_BACK_OFF) {
                status.withNewState().withNewWaiting().withReason("ImagePullBackOff")
                    .withMessage("Back-off pulling image \"" + c.getImage() + "\"").endWaiting().endState();
            } else {
                status.withNewState().withNewWaiting().withReason("InvalidImageName")
                    .withMessage("Failed to apply default image tag \"" + c.getImage() + "\": couldn't parse image name")
                    .endWaiting().endState();
            }
            containers.add(status.build());
        });
        List<PodCondition> conditions = List.of(
            condition("PodScheduled", true, null),
            condition("Initialized", true, null),
            condition("ContainersReady", ready, "ContainersNotReady"),
            condition("Ready", ready, "ContainersNotReady"));
        return new PodStatusBuilder().withPhase(started ? "Running" : "Pending").withConditions(conditions)
            .withContainerStatuses(containers).withStartTime(now).build();
    }

    private static PodCondition condition(String type, boolean status, String reasonWhenFalse) {
        return new PodConditionBuilder().withType(type).withStatus(status ? "True" : "False")
            .withReason(status ? null : reasonWhenFalse).build();
    }

    private void updateStatus(StatefulSet set, List<Pod> pods) {
        int ready = (int) pods.stream().filter(FakeStatefulSetController::isReady).count();
        StatefulSetStatus desired = new StatefulSetStatusBuilder()
            .withReplicas(pods.size())
            .withReadyReplicas(ready)
            .withCurrentReplicas(pods.size())
            .withUpdatedReplicas(pods.size())
            .withAvailableReplicas(ready)
            .withObservedGeneration(set.getMetadata().getGeneration())
            .build();
        if (desired.equals(set.getStatus())) {
            return;
        }
        client.apps().statefulSets().inNamespace(namespace).withName(set.getMetadata().getName())
            .editStatus(s -> {
                s.setStatus(desired);
                return s;
            });
    }

    private static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
            .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private void collectGarbage(StatefulSet set) {
        String uid = set.getMetadata().getUid();
        for (Pod pod : client.pods().inNamespace(namespace).list().getItems()) {
            if (ownedBy(pod.getMetadata().getOwnerReferences(), uid)) {
                client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
            }
        }
        if (!deletesClaimsWithSet(set) || set.getSpec().getVolumeClaimTemplates() == null) {
            return;
        }
        for (PersistentVolumeClaim template : set.getSpec().getVolumeClaimTemplates()) {
            String prefix = template.getMetadata().getName() + "-" + set.getMetadata().getName() + "-";
            for (PersistentVolumeClaim claim : client.persistentVolumeClaims().inNamespace(namespace).list()
                .getItems()) {
                String name = claim.getMetadata().getName();
                if (name.startsWith(prefix) && ORDINAL.matcher(name.substring(prefix.length())).matches()) {
                    client.persistentVolumeClaims().inNamespace(namespace).withName(name).delete();
                }
            }
        }
    }

    private static boolean ownedBy(List<OwnerReference> references, String uid) {
        return references != null && references.stream().anyMatch(r -> Objects.equals(r.getUid(), uid));
    }

    private static boolean deletesClaimsWithSet(StatefulSet set) {
        return set.getSpec().getPersistentVolumeClaimRetentionPolicy() != null
            && "Delete".equals(set.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
    }

    private static OwnerReference ownerReference(StatefulSet set) {
        return new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet")
            .withName(set.getMetadata().getName()).withUid(set.getMetadata().getUid()).withController(true)
            .withBlockOwnerDeletion(true).build();
    }

    private void event(String pod, String reason, String message) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Event event = new EventBuilder()
            .withNewMetadata().withName(pod + "." + Long.toHexString(System.nanoTime())).withNamespace(namespace)
            .endMetadata()
            .withNewInvolvedObject().withKind("Pod").withName(pod).withNamespace(namespace).withApiVersion("v1")
            .endInvolvedObject()
            .withType("Warning").withReason(reason).withMessage(message)
            .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
            .withNewSource().withComponent("kubelet").endSource()
            .build();
        client.v1().events().inNamespace(namespace).resource(event).create();
    }
}
