package io.kubepodenv.engine.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.cluster.EnvironmentDeleter;
import io.kubepodenv.engine.cluster.EnvironmentLookup;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Deletes dead environments in one sweep: two list calls for the environments (their records and docker-host
 * StatefulSets; incomplete ones included), then one list call per kind for all their objects together, whatever
 * their number; then the locks that expired (left by killed processes). An incomplete environment whose lock is
 * held is being created by a live process and is left alone.
 */
public final class GarbageCollector {
    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;

    public GarbageCollector(KubernetesClient client, String namespace, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
    }

    /**
     * The environments that no {@code up} is creating right now: an incomplete one whose key's lock is held is being
     * applied (or replaced) by a live process, and is left to it; once that process is gone its lock expires and the
     * next sweep decides.
     */
    private static List<Environment> notBeingCreated(List<Environment> all, EnvironmentLock.Locks locks,
        ProgressListener listener) {
        List<Environment> result = new java.util.ArrayList<>();
        for (Environment e : all) {
            java.util.Optional<String> holder = e.complete() ? java.util.Optional.empty() : locks.holder(e.key());
            if (holder.isPresent()) {
                listener.progress("leaving " + e.id() + " ('" + e.key() + "') alone: it is incomplete and "
                    + holder.get() + " holds its lock (an up is creating it)");
            } else {
                result.add(e);
            }
        }
        return result;
    }

    /** The outcome of a sweep. */
    public record Sweep(List<CollectionPolicy.Verdict> collected, int examined) {
        public Sweep {
            collected = List.copyOf(collected);
        }
    }

    /**
     * Finds the environments {@code policy} condemns and, unless {@code dryRun}, deletes them.
     *
     * @param timeout bound of the wait when {@code wait} is set
     */
    public Sweep sweep(CollectionPolicy policy, boolean dryRun, boolean wait, Duration timeout,
        ProgressListener listener) {
        List<Environment> all = new EnvironmentLookup(client, namespace).listAll();
        EnvironmentLock.Locks locks = EnvironmentLock.list(client, namespace, clock);
        List<CollectionPolicy.Verdict> doomed = policy.decide(notBeingCreated(all, locks, listener), clock.instant());
        for (CollectionPolicy.Verdict v : doomed) {
            listener.progress((dryRun ? "would delete " : "deleting ") + v.environment().id() + " ('"
                + v.environment().key() + "'): " + v.reason());
        }
        if (!dryRun && !doomed.isEmpty()) {
            Set<String> ids = new LinkedHashSet<>();
            Set<String> kinds = new LinkedHashSet<>();
            doomed.forEach(v -> {
                ids.add(v.environment().id());
                kinds.addAll(v.environment().kinds());
            });
            new EnvironmentDeleter(client, namespace).deleteInstances(ids, kinds, wait, timeout, listener);
        }
        locks.collectExpired(dryRun, listener);
        return new Sweep(doomed, all.size());
    }

    /** The outcome of a reconciliation: what was decided for each environment in scope. */
    public record Reconciliation(List<ReconcilePolicy.Decision> decisions, int examined) {
        public Reconciliation {
            decisions = List.copyOf(decisions);
        }

        /** The decisions with {@code action}. */
        public List<ReconcilePolicy.Decision> with(ReconcilePolicy.Action action) {
            return decisions.stream().filter(d -> d.action() == action).toList();
        }
    }

    /**
     * Lists the environments (one call), <em>then</em> asks {@code policy} for the keys alive and busy at that
     * moment, and deletes the environments it condemns that no build uses, all together (one list call per kind).
     * Deferred environments are returned for the caller to delete once their builds end.
     *
     * @param policy computed after the listing, so that it sees every job that created a listed environment
     */
    public Reconciliation reconcile(Supplier<ReconcilePolicy> policy, boolean dryRun, boolean wait, Duration timeout,
        ProgressListener listener) {
        List<Environment> all = new EnvironmentLookup(client, namespace).listAll();
        EnvironmentLock.Locks locks = EnvironmentLock.list(client, namespace, clock);
        ReconcilePolicy decided = policy.get();
        List<ReconcilePolicy.Decision> decisions = decided.decide(notBeingCreated(all, locks, listener),
            clock.instant());
        List<Environment> idle = new java.util.ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        Set<String> kinds = new LinkedHashSet<>();
        for (ReconcilePolicy.Decision d : decisions) {
            Environment e = d.environment();
            switch (d.action()) {
                case DELETE -> {
                    listener.progress((dryRun ? "would delete " : "deleting ") + e.id() + " ('" + e.key() + "'): "
                        + d.reason());
                    ids.add(e.id());
                    kinds.addAll(e.kinds());
                }
                case DEFER -> listener.progress("deferring " + e.id() + " ('" + e.key() + "'): " + d.reason());
                case SLEEP -> idle.add(e);
                case KEEP -> { }
            }
        }
        if (!dryRun && !ids.isEmpty()) {
            new EnvironmentDeleter(client, namespace).deleteInstances(ids, kinds, wait, timeout, listener);
        }
        if (!idle.isEmpty()) {
            try (EnvironmentLock lock = new EnvironmentLock(client, namespace, "reconciler of " + decided.owner(),
                EnvironmentLock.DEFAULT_LEASE_DURATION, clock)) {
                new EnvironmentSleeper(client, namespace, lock, clock, timeout)
                    .sleepIdle(idle, decided.idle(), dryRun, listener);
            }
        }
        locks.collectExpired(dryRun, listener);
        return new Reconciliation(decisions, all.size());
    }
}
