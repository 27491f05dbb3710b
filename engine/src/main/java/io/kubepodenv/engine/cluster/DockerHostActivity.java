package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentActivity;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.IdleLimits;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.template.SleepSafety;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes an environment's activity onto its docker-host StatefulSet: its replica count (1 awake, 0 asleep), when it
 * was last used, since when it sleeps, and its idle limits.
 *
 * <p>These fields belong to one server-side apply field manager of their own, {@link #FIELD_MANAGER}, and to nothing
 * else: the template's applier never sends {@code spec.replicas} (see {@link EnvironmentApplier}), so re-applying an
 * unchanged template to a sleeping environment neither wakes it nor conflicts over the replica count. Each write
 * applies the whole set (a field left out of an apply is given up, and an annotation nobody else owns is removed),
 * with conflicts forced: callers hold the key's lock, and this manager is the authority on these fields.
 */
public final class DockerHostActivity {
    /** The field manager that owns {@code spec.replicas} and the activity annotations. */
    public static final String FIELD_MANAGER = "kube-pod-env-lifecycle";

    private final KubernetesClient client;
    private final String namespace;

    public DockerHostActivity(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Records a use at {@code now} and keeps (or makes) the environment awake with one replica. */
    public EnvironmentActivity recordUse(Environment environment, Instant now, IdleLimits limits) {
        EnvironmentActivity activity = new EnvironmentActivity(false, Optional.of(now), Optional.empty(), limits);
        write(environment, activity);
        return activity;
    }

    /** Scales the environment to 0 replicas, keeping its last use and limits, and records since when it sleeps. */
    public EnvironmentActivity markAsleep(Environment environment, Instant now) {
        EnvironmentActivity before = environment.activity();
        EnvironmentActivity activity = new EnvironmentActivity(true, before.lastUsed(), Optional.of(now),
            before.limits());
        write(environment, activity);
        return activity;
    }

    private void write(Environment environment, EnvironmentActivity activity) {
        Map<String, String> annotations = new LinkedHashMap<>();
        activity.lastUsed().ifPresent(t -> annotations.put(ObjectLabels.LAST_USED_AT, t.toString()));
        activity.asleepSince().ifPresent(t -> annotations.put(ObjectLabels.ASLEEP_SINCE, t.toString()));
        activity.limits().sleepAfter().ifPresent(d -> annotations.put(ObjectLabels.SLEEP_AFTER, d.toString()));
        activity.limits().maxIdle().ifPresent(d -> annotations.put(ObjectLabels.MAX_IDLE, d.toString()));
        StatefulSet intent = new StatefulSetBuilder()
            .withNewMetadata().withName(environment.dockerHost()).withNamespace(namespace)
            .withAnnotations(annotations).endMetadata()
            .withNewSpec().withReplicas(activity.asleep() ? 0 : 1).endSpec()
            .build();
        try {
            // Only an existing StatefulSet is changed: this partial object could never be created (no selector), so
            // one deleted meanwhile is reported, not resurrected.
            client.apps().statefulSets().inNamespace(namespace).resource(intent).fieldManager(FIELD_MANAGER)
                .forceConflicts().serverSideApply();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.failed((activity.asleep() ? "put to sleep" : "record the use of") + " StatefulSet "
                + environment.dockerHost(), namespace, e);
        }
    }

    /**
     * Why the live StatefulSet cannot sleep without losing its data, if it cannot: its claims are deleted when it is
     * scaled down, or it has no claim at all.
     */
    public Optional<String> sleepHazard(Environment environment) {
        StatefulSet sts;
        try {
            sts = client.apps().statefulSets().inNamespace(namespace).withName(environment.dockerHost()).get();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.failed("read StatefulSet " + environment.dockerHost(), namespace, e);
        }
        if (sts == null || sts.getSpec() == null) {
            return Optional.of("its StatefulSet " + environment.dockerHost() + " is gone");
        }
        boolean hasClaims = sts.getSpec().getVolumeClaimTemplates() != null
            && !sts.getSpec().getVolumeClaimTemplates().isEmpty();
        Optional<String> whenScaled = Optional.ofNullable(sts.getSpec().getPersistentVolumeClaimRetentionPolicy())
            .map(StatefulSetPersistentVolumeClaimRetentionPolicy::getWhenScaled);
        return SleepSafety.hazard(hasClaims, whenScaled);
    }

    /** Waits, watching, until the environment has no pod left; bounded by {@code timeout}. */
    public void awaitNoPod(Environment environment, Duration timeout) {
        try {
            client.pods().inNamespace(namespace).withLabel(ObjectLabels.INSTANCE, environment.id())
                .informOnCondition(pods -> pods.isEmpty()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new EnvironmentFailedException("the pod of environment " + environment.id() + " was still there "
                + Durations.format(timeout) + " after it was put to sleep; it stays asleep (0 replicas); check the "
                + "pod's events and finalizers");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentFailedException("interrupted while putting environment " + environment.id()
                + " to sleep");
        } catch (ExecutionException e) {
            throw ClusterErrors.failed("watch the pods of environment " + environment.id(), namespace, e.getCause());
        }
    }

    /** The activity recorded on a docker-host StatefulSet. Unreadable annotations count as not recorded. */
    static EnvironmentActivity read(StatefulSet sts) {
        Map<String, String> annotations = sts.getMetadata().getAnnotations() == null ? Map.of()
            : sts.getMetadata().getAnnotations();
        Integer replicas = sts.getSpec() == null ? null : sts.getSpec().getReplicas();
        IdleLimits limits;
        try {
            limits = new IdleLimits(duration(annotations.get(ObjectLabels.SLEEP_AFTER)),
                duration(annotations.get(ObjectLabels.MAX_IDLE)));
        } catch (RuntimeException e) {
            limits = IdleLimits.NONE;
        }
        return new EnvironmentActivity(replicas != null && replicas == 0,
            instant(annotations.get(ObjectLabels.LAST_USED_AT)), instant(annotations.get(ObjectLabels.ASLEEP_SINCE)),
            limits);
    }

    private static Optional<Instant> instant(String text) {
        try {
            return text == null ? Optional.empty() : Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<Duration> duration(String text) {
        try {
            return text == null ? Optional.empty() : Optional.of(Duration.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
