package io.kubepodenv.engine.lifecycle;

import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which environments are dead: the pure part of garbage collection, shared by {@code kpe gc} and the
 * Jenkins reconciler, and tested without a cluster.
 *
 * <p>An environment is collected when it belongs to {@code owner} (any owner when absent) and either its key is not
 * among the live keys (when live keys are given) or it is older than the maximum age (when one is given). An
 * environment whose age is unknown is never collected for age. An environment unused for longer than its max idle
 * ({@link IdlePolicy#expiry}) is collected too.
 *
 * @param owner only environments of this owner are considered; empty: every owner
 * @param liveKeys keys whose environments must stay; empty: keys are not a criterion
 * @param maxAge environments older than this are collected; empty: age is not a criterion
 * @param idle the max idle time of each environment (its own, or one for all)
 */
public record CollectionPolicy(Optional<String> owner, Optional<Set<EnvironmentKey>> liveKeys,
    Optional<Duration> maxAge, IdlePolicy idle) {

    public CollectionPolicy {
        Objects.requireNonNull(owner);
        Objects.requireNonNull(liveKeys);
        Objects.requireNonNull(maxAge);
        Objects.requireNonNull(idle);
        liveKeys = liveKeys.map(Set::copyOf);
        if (liveKeys.isEmpty() && maxAge.isEmpty() && idle.overrides().maxIdle().isEmpty()) {
            throw new InvalidInputException("garbage collection needs a criterion: the keys still alive, a maximum "
                + "age, a max idle time, or several");
        }
        maxAge.ifPresent(age -> {
            if (age.isNegative() || age.isZero()) {
                throw new InvalidInputException("maximum age: must be positive");
            }
        });
    }

    /** Collection with each environment's own recorded max idle time. */
    public CollectionPolicy(Optional<String> owner, Optional<Set<EnvironmentKey>> liveKeys,
        Optional<Duration> maxAge) {
        this(owner, liveKeys, maxAge, IdlePolicy.RECORDED);
    }

    /** One environment to delete, and why. */
    public record Verdict(Environment environment, String reason) {
    }

    /** The environments to delete, in the order given. */
    public List<Verdict> decide(List<Environment> environments, Instant now) {
        List<Verdict> doomed = new ArrayList<>();
        for (Environment e : environments) {
            if (owner.isPresent() && !owner.get().equals(e.owner())) {
                continue;
            }
            if (liveKeys.isPresent() && !liveKeys.get().contains(e.key())) {
                doomed.add(new Verdict(e, "its key is no longer alive"));
                continue;
            }
            if (maxAge.isPresent() && e.createdAt().isPresent()
                && Duration.between(e.createdAt().get(), now).compareTo(maxAge.get()) > 0) {
                doomed.add(new Verdict(e, "older than " + io.kubepodenv.engine.Durations.format(maxAge.get())));
                continue;
            }
            idle.expiry(e, now).ifPresent(reason -> doomed.add(new Verdict(e, reason)));
        }
        return doomed;
    }
}
