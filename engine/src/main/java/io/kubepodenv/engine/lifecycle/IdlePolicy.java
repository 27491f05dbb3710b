package io.kubepodenv.engine.lifecycle;

import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.IdleLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides which environments have been unused long enough to sleep or to be deleted: the pure part, tested without a
 * cluster. Idle time runs from the last recorded use ({@code up}), or from creation when none was recorded.
 *
 * @param overrides limits that apply to every environment ({@code kpe gc --sleep-after --max-idle}); a limit left
 *     empty here is each environment's own, recorded by the build that last used it
 */
public record IdlePolicy(IdleLimits overrides) {
    /** Each environment's own recorded limits. */
    public static final IdlePolicy RECORDED = new IdlePolicy(IdleLimits.NONE);

    public IdlePolicy {
        Objects.requireNonNull(overrides, "overrides");
    }

    /** Why {@code e} is to be deleted for want of use at {@code now}; empty when it is not. */
    public Optional<String> expiry(Environment e, Instant now) {
        return beyond(e, now, overrides.maxIdle().or(() -> e.activity().limits().maxIdle()))
            .map(limit -> "unused for longer than " + Durations.format(limit) + " (max idle)");
    }

    /** Why {@code e} is to be put to sleep at {@code now}; empty when it is not (already asleep, or used lately). */
    public Optional<String> sleep(Environment e, Instant now) {
        if (e.activity().asleep()) {
            return Optional.empty();
        }
        return beyond(e, now, sleepAfter(e))
            .map(limit -> "unused for longer than " + Durations.format(limit) + " (sleep after)");
    }

    /** The sleep limit that applies to {@code e}. */
    public Optional<Duration> sleepAfter(Environment e) {
        return overrides.sleepAfter().or(() -> e.activity().limits().sleepAfter());
    }

    private static Optional<Duration> beyond(Environment e, Instant now, Optional<Duration> limit) {
        if (limit.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> idle = e.activity().idleFor(now, e.createdAt());
        return idle.isPresent() && idle.get().compareTo(limit.get()) > 0 ? limit : Optional.empty();
    }
}
