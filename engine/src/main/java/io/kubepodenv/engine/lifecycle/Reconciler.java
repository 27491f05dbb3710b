package io.kubepodenv.engine.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.config.ClusterConnection;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The background cleanup of a CI controller: reconciles the environments of every place it configures against what
 * its jobs say ({@link ReconcilePolicy}), defers a deletion while a build of its key runs, and carries it out when the
 * last such build ends. The controller supplies the places, the policy and whether a key is busy; the rest, messages
 * included, is here. Thread-safe.
 *
 * @param <P> the controller's place type
 */
public final class Reconciler<P extends Reconciler.Place> {
    /** Where environments live: a cluster and namespace, and how to connect there. */
    public interface Place {
        /** The engine options of the place (its namespace and timeouts among them). */
        Options options();

        /** The place in messages, e.g. "namespace ci (cluster of the global configuration)". */
        String describe();

        /** A connection with the credentials configured for the place. */
        ClusterConnection connect() throws IOException;
    }

    /**
     * A deletion waiting for builds to end.
     *
     * @param onlyIfDead re-check when it runs that no live job produces the key (a pull request may be reopened)
     */
    private record Deletion<P>(P place, boolean onlyIfDead) {
    }

    private final DeferredDeletions<Deletion<P>> deferred = new DeferredDeletions<>();
    private final Clock clock;

    public Reconciler(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Reconciles each place in turn; a place that fails is reported and the others go on.
     *
     * @param policy asked once per place, after its environments are listed
     * @param busyNow whether a build of a key runs, asked again when deferring (a build may end meanwhile)
     * @param why the reason, first in the summary and in warnings
     * @return one line summing up every place
     */
    public String reconcile(List<P> places, Supplier<ReconcilePolicy> policy, Predicate<EnvironmentKey> busyNow,
        String why, ProgressListener log) {
        List<String> summary = new ArrayList<>();
        for (P place : places) {
            ClusterConnection connection;
            try {
                connection = place.connect();
            } catch (IOException | RuntimeException e) {
                log.warning(why + ": " + place.describe() + ": cannot connect: " + e.getMessage());
                summary.add(place.describe() + ": cannot connect: " + e.getMessage());
                continue;
            }
            ProgressListener masked = log.masking(connection.masker());
            try (KubernetesClient client = connection.newClient()) {
                Options options = place.options();
                GarbageCollector.Reconciliation result = new GarbageCollector(client, options.namespace(), clock)
                    .reconcile(policy, false, false, options.deleteTimeout(), masked);
                int deferredHere = 0;
                for (ReconcilePolicy.Decision d : result.with(ReconcilePolicy.Action.DEFER)) {
                    EnvironmentKey key = d.environment().key();
                    if (deferred.deferIfBusy(key, new Deletion<>(place, true), d.reason(), busyNow)) {
                        deferredHere++;
                    } else {
                        // The build ended between the decision and now.
                        try (KubePodEnv engine = new KubePodEnv(client, options)) {
                            engine.down(key, false, masked);
                        }
                    }
                }
                summary.add(place.describe() + ": " + result.examined() + " environments, "
                    + result.deleted().size() + " deleted, " + (result.spared().isEmpty() ? ""
                        : result.spared().size() + " left alone because a build was using them, ") + deferredHere
                    + " deferred until their builds end, " + result.with(ReconcilePolicy.Action.SLEEP).size()
                    + " idle (put to sleep unless used meanwhile)");
            } catch (RuntimeException e) {
                String message = connection.masker().describe(e);
                log.warning(why + ": " + place.describe() + ": " + message);
                summary.add(place.describe() + ": failed: " + message);
            }
        }
        return why + ": " + String.join("; ", summary);
    }

    /**
     * The end of a block whose environment is not kept: defers its deletion when another build that uses the key
     * runs.
     *
     * @return true when deferred (the caller does not delete)
     */
    public boolean deferIfBusy(EnvironmentKey key, P place, String reason, Predicate<EnvironmentKey> busy) {
        return deferred.deferIfBusy(key, new Deletion<>(place, false), reason, busy);
    }

    public boolean isDeferred(EnvironmentKey key) {
        return deferred.isPending(key);
    }

    public boolean hasDeferred() {
        return !deferred.isEmpty();
    }

    /**
     * Carries out the deferred deletions no build needs any more; one whose key a live job produces again (a reopened
     * pull request) is dropped instead.
     *
     * @param liveKeys asked only when a deferred deletion needs it
     * @return one line per deletion; a failed one says why, and the others go on
     */
    public String runDeferred(Predicate<EnvironmentKey> busy, Supplier<Set<EnvironmentKey>> liveKeys,
        ProgressListener log) {
        List<DeferredDeletions.Pending<Deletion<P>>> ready = deferred.takeIdle(busy);
        Set<EnvironmentKey> live = ready.stream().anyMatch(p -> p.target().onlyIfDead()) ? liveKeys.get() : Set.of();
        List<String> done = new ArrayList<>();
        for (DeferredDeletions.Pending<Deletion<P>> p : ready) {
            if (p.target().onlyIfDead() && live.contains(p.key())) {
                done.add("'" + p.key() + "' kept: a job of it is alive again");
                continue;
            }
            done.add(delete(p.key(), p.target().place(), "deferred: " + p.reason(), log));
        }
        return done.isEmpty() ? "nothing to delete yet" : String.join("; ", done);
    }

    /** Deletes one environment now; the outcome as one line, also when it failed. */
    public String delete(EnvironmentKey key, P place, String why, ProgressListener log) {
        String where = "'" + key + "' in " + place.describe();
        ClusterConnection connection;
        try {
            connection = place.connect();
        } catch (IOException | RuntimeException e) {
            log.warning(where + ": cannot connect: " + e.getMessage());
            return where + ": cannot connect: " + e.getMessage();
        }
        try (KubernetesClient client = connection.newClient();
            KubePodEnv engine = new KubePodEnv(client, place.options())) {
            int deleted = engine.down(key, false, log.masking(connection.masker())).deleted().size();
            return where + ": " + deleted + " objects deleted (" + why + ")";
        } catch (RuntimeException e) {
            String message = connection.masker().describe(e);
            log.warning(where + ": " + message);
            return where + ": failed: " + message;
        }
    }
}
