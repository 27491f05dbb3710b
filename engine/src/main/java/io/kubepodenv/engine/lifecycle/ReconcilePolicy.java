package io.kubepodenv.engine.lifecycle;

import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a CI controller does with each of its environments: delete it now, defer the deletion until the builds that
 * use it have ended, or keep it. The part of reconciliation that needs no CI system and no cluster.
 *
 * <p>The controller tells which keys are alive (some job that produces the key exists and is not dead) and which keys
 * are busy (a build that may use the environment is running). An environment of {@code owner} inside
 * {@code scope} is condemned by {@link CollectionPolicy} (key not alive, or older than {@code maxAge}); a condemned
 * environment whose key is busy is deferred, never deleted under a running build.
 *
 * <p>Callers must compute the live keys <em>after</em> listing the environments (see
 * {@link GarbageCollector#reconcile}): every environment listed was then created by a job that already existed when
 * the keys were computed, so a brand-new job's environment is never mistaken for an orphan.
 *
 * @param owner the controller's owner label value; other owners' environments are left alone
 * @param liveKeys keys some live job produces
 * @param busy whether a key has a running build (may over-approximate: a busy key is only deferred)
 * @param scope which keys this reconciliation is about (a whole controller, or one project whose job went away);
 *     environments outside it are left alone
 * @param maxAge environments older than this are collected even when alive; empty: no age limit
 * @param idle when kept environments sleep and when unused ones expire; an environment whose key is busy never
 *     sleeps
 */
public record ReconcilePolicy(String owner, Set<EnvironmentKey> liveKeys, Predicate<EnvironmentKey> busy,
    Predicate<EnvironmentKey> scope, Optional<Duration> maxAge, IdlePolicy idle) {

    public ReconcilePolicy {
        Objects.requireNonNull(owner);
        liveKeys = Set.copyOf(liveKeys);
        Objects.requireNonNull(busy);
        Objects.requireNonNull(scope);
        Objects.requireNonNull(maxAge);
        Objects.requireNonNull(idle);
    }

    /** A policy that applies each environment's own recorded idle limits. */
    public ReconcilePolicy(String owner, Set<EnvironmentKey> liveKeys, Predicate<EnvironmentKey> busy,
        Predicate<EnvironmentKey> scope, Optional<Duration> maxAge) {
        this(owner, liveKeys, busy, scope, maxAge, IdlePolicy.RECORDED);
    }

    /** Every key of the controller is in scope. */
    public static Predicate<EnvironmentKey> everything() {
        return key -> true;
    }

    /** What happens to one environment. */
    public enum Action {
        /** Delete now: nothing uses it and nothing will. */
        DELETE,
        /** Condemned, but a build of its key is running: delete when the last one ends. */
        DEFER,
        /** Still wanted, but unused for longer than its sleep limit and no build of its key runs: put to sleep. */
        SLEEP,
        /** Still wanted. */
        KEEP
    }

    /** The action for one environment, and why (for the log an administrator reads). */
    public record Decision(Environment environment, Action action, String reason) {
    }

    /**
     * Decides for every environment of {@link #owner} in {@link #scope}, in the order given; the others do not
     * appear in the result.
     */
    public List<Decision> decide(List<Environment> environments, Instant now) {
        List<Environment> ours = environments.stream()
            .filter(e -> owner.equals(e.owner()))
            .filter(e -> scope.test(e.key()))
            .toList();
        Map<String, String> condemned = new HashMap<>();
        for (CollectionPolicy.Verdict v : collection().decide(ours, now)) {
            condemned.put(v.environment().id(), v.reason());
        }
        List<Decision> decisions = new ArrayList<>(ours.size());
        for (Environment e : ours) {
            String reason = condemned.get(e.id());
            if (reason == null) {
                Optional<String> sleep = idle.sleep(e, now);
                if (sleep.isPresent() && !busy.test(e.key())) {
                    decisions.add(new Decision(e, Action.SLEEP, sleep.get()));
                } else {
                    decisions.add(new Decision(e, Action.KEEP, keepReason(e, now)));
                }
            } else if (busy.test(e.key())) {
                decisions.add(new Decision(e, Action.DEFER, reason + "; a build of it is still running, so it is "
                    + "deleted when the last one ends"));
            } else {
                decisions.add(new Decision(e, Action.DELETE, reason));
            }
        }
        return decisions;
    }

    /** The collection part, shared with {@code kpe gc}. */
    public CollectionPolicy collection() {
        return new CollectionPolicy(Optional.of(owner), Optional.of(liveKeys), maxAge, idle);
    }

    private String keepReason(Environment e, Instant now) {
        String alive = "a job of its key is alive";
        if (maxAge.isEmpty()) {
            return alive;
        }
        return alive + e.createdAt()
            .map(t -> " and it is younger than " + Durations.format(maxAge.get()))
            .orElse(" (age unknown)");
    }
}
