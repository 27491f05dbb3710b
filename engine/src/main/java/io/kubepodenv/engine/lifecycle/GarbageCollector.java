package io.kubepodenv.engine.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.EnvironmentLockedException;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.cluster.EnvironmentDeleter;
import io.kubepodenv.engine.cluster.EnvironmentLookup;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Deletes the environments a policy condemns in one sweep: two list calls for the environments (their records and
 * docker-host StatefulSets; incomplete ones included), then the deletions, then the locks that expired (left by killed
 * processes). An incomplete environment whose lock is held is being created by a live process and is left alone.
 *
 * <p>Environments whose key is dead (no build will use them again) are deleted all together: one list call per kind
 * for all their objects, whatever their number. An environment condemned while its key is alive (too old, or unused
 * for longer than its max idle) may be taken by a build at any moment, so it is deleted as a sleep is done: under its
 * key's lock, and only if a fresh read shows the same instance, not used since it was listed. One whose lock another
 * holds (a build's {@code up} is using it) is left for the next collection; so is one used meanwhile.
 */
public final class GarbageCollector {
    /**
     * How long the deletion of an environment whose key is alive waits for the key's lock. Short: whoever holds it is
     * working on the environment (a build's {@code up} records a use under it), so waiting longer would only find the
     * environment used; the next collection decides again.
     */
    public static final Duration LOCK_WAIT = Duration.ofSeconds(2);

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

    /** An environment condemned while its key is alive, left alone this time, and why. */
    public record Spared(Environment environment, String reason) {
    }

    /**
     * The outcome of a sweep.
     *
     * @param collected the environments deleted (with {@code dryRun}: those that would be)
     * @param spared those condemned but left alone because a build was using them
     */
    public record Sweep(List<CollectionPolicy.Verdict> collected, List<Spared> spared, int examined) {
        public Sweep {
            collected = List.copyOf(collected);
            spared = List.copyOf(spared);
        }
    }

    /**
     * Finds the environments {@code policy} condemns and, unless {@code dryRun}, deletes them; those whose key is alive
     * each under its lock (see the class description).
     *
     * @param timeout bound of the wait when {@code wait} is set
     */
    public Sweep sweep(CollectionPolicy policy, boolean dryRun, boolean wait, Duration timeout,
        ProgressListener listener) {
        List<Environment> all = new EnvironmentLookup(client, namespace).listAll();
        EnvironmentLock.Locks locks = EnvironmentLock.list(client, namespace, clock);
        List<CollectionPolicy.Verdict> doomed = policy.decide(notBeingCreated(all, locks, listener), clock.instant());
        List<Spared> spared;
        try (EnvironmentLock lock = new EnvironmentLock(client, namespace, "garbage collection",
            EnvironmentLock.DEFAULT_LEASE_DURATION, clock)) {
            spared = delete(doomed, key -> policy.liveKeys().map(live -> !live.contains(key)).orElse(false), lock,
                dryRun, wait, timeout, listener);
        }
        List<CollectionPolicy.Verdict> collected = doomed.stream()
            .filter(v -> spared.stream().noneMatch(s -> s.environment().id().equals(v.environment().id())))
            .toList();
        locks.collectExpired(dryRun, listener);
        return new Sweep(collected, spared, all.size());
    }

    /**
     * The outcome of a reconciliation: what was decided for each environment in scope.
     *
     * @param spared environments decided {@link ReconcilePolicy.Action#DELETE} but left alone because a build was
     *     using them by the time their lock was taken
     */
    public record Reconciliation(List<ReconcilePolicy.Decision> decisions, List<Spared> spared, int examined) {
        public Reconciliation {
            decisions = List.copyOf(decisions);
            spared = List.copyOf(spared);
        }

        /** The decisions with {@code action}. */
        public List<ReconcilePolicy.Decision> with(ReconcilePolicy.Action action) {
            return decisions.stream().filter(d -> d.action() == action).toList();
        }

        /** The environments deleted: those decided {@link ReconcilePolicy.Action#DELETE} and not spared. */
        public List<Environment> deleted() {
            return with(ReconcilePolicy.Action.DELETE).stream().map(ReconcilePolicy.Decision::environment)
                .filter(e -> spared.stream().noneMatch(s -> s.environment().id().equals(e.id())))
                .toList();
        }
    }

    /**
     * Lists the environments (one call), <em>then</em> asks {@code policy} for the keys alive and busy at that
     * moment, and deletes the environments it condemns that no build uses: those of dead keys all together (one list
     * call per kind), those of live keys each under its lock (see the class description). Idle ones are put to sleep,
     * each under its lock. Deferred environments are returned for the caller to delete once their builds end.
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
        List<Environment> idle = new ArrayList<>();
        List<CollectionPolicy.Verdict> doomed = new ArrayList<>();
        for (ReconcilePolicy.Decision d : decisions) {
            Environment e = d.environment();
            switch (d.action()) {
                case DELETE -> doomed.add(new CollectionPolicy.Verdict(e, d.reason()));
                case DEFER -> listener.progress("deferring " + e.id() + " ('" + e.key() + "'): " + d.reason());
                case SLEEP -> idle.add(e);
                case KEEP -> { }
            }
        }
        List<Spared> spared;
        try (EnvironmentLock lock = new EnvironmentLock(client, namespace, "reconciler of " + decided.owner(),
            EnvironmentLock.DEFAULT_LEASE_DURATION, clock)) {
            spared = delete(doomed, key -> !decided.liveKeys().contains(key), lock, dryRun, wait, timeout, listener);
            if (!idle.isEmpty()) {
                new EnvironmentSleeper(client, namespace, lock, clock, timeout)
                    .sleepIdle(idle, decided.idle(), dryRun, listener);
            }
        }
        locks.collectExpired(dryRun, listener);
        return new Reconciliation(decisions, spared, all.size());
    }

    /**
     * Deletes {@code doomed}: those whose key is dead together, the others one at a time under their lock.
     *
     * @return those left alone because a build was using them
     */
    private List<Spared> delete(List<CollectionPolicy.Verdict> doomed, Predicate<EnvironmentKey> keyDead,
        EnvironmentLock lock, boolean dryRun, boolean wait, Duration timeout, ProgressListener listener) {
        if (dryRun) {
            doomed.forEach(v -> listener.progress("would delete " + v.environment().id() + " ('"
                + v.environment().key() + "'): " + v.reason()));
            return List.of();
        }
        Set<String> ids = new LinkedHashSet<>();
        Set<String> kinds = new LinkedHashSet<>();
        List<CollectionPolicy.Verdict> alive = new ArrayList<>();
        for (CollectionPolicy.Verdict v : doomed) {
            Environment e = v.environment();
            if (keyDead.test(e.key())) {
                listener.progress("deleting " + e.id() + " ('" + e.key() + "'): " + v.reason());
                ids.add(e.id());
                kinds.addAll(e.kinds());
            } else {
                alive.add(v);
            }
        }
        if (!ids.isEmpty()) {
            new EnvironmentDeleter(client, namespace).deleteInstances(ids, kinds, wait, timeout, listener);
        }
        List<Spared> spared = new ArrayList<>();
        for (CollectionPolicy.Verdict v : alive) {
            deleteIfUnused(v, lock, wait, timeout, listener).ifPresent(reason ->
                spared.add(new Spared(v.environment(), reason)));
        }
        return spared;
    }

    /**
     * Deletes the environment of {@code verdict}, found condemned outside the lock, if under its key's lock it is still
     * there and unused since it was listed.
     *
     * @return why it was left alone; empty when it was deleted (or was gone already)
     */
    private Optional<String> deleteIfUnused(CollectionPolicy.Verdict verdict, EnvironmentLock lock, boolean wait,
        Duration timeout, ProgressListener listener) {
        Environment seen = verdict.environment();
        String which = seen.id() + " ('" + seen.key() + "')";
        EnvironmentLock.Held held;
        try {
            held = lock.acquire(seen.key(), LOCK_WAIT, listener);
        } catch (EnvironmentLockedException e) {
            String why = "its lock is held by " + e.holder() + " (a build is using it)";
            listener.progress("leaving " + which + " alone this time, although " + verdict.reason() + ": " + why);
            return Optional.of(why);
        }
        try (held) {
            Optional<Environment> current = new EnvironmentLookup(client, namespace).findAll(seen.key()).stream()
                .filter(e -> e.id().equals(seen.id()))
                .findFirst();
            if (current.isEmpty()) {
                listener.progress(which + " is gone already");
                return Optional.empty();
            }
            if (!current.get().activity().lastUsed().equals(seen.activity().lastUsed())) {
                String why = "used since it was found condemned (" + verdict.reason() + ")";
                listener.progress("leaving " + which + " alone: " + why);
                return Optional.of(why);
            }
            listener.progress("deleting " + which + ": " + verdict.reason());
            new EnvironmentDeleter(client, namespace).deleteInstances(Set.of(seen.id()), current.get().kinds(), wait,
                timeout, listener);
            return Optional.empty();
        }
    }
}
