package io.kubepodenv.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * When an environment was last used and whether it sleeps, as recorded on its docker-host StatefulSet.
 *
 * @param asleep whether its StatefulSet is scaled to 0 replicas
 * @param lastUsed when a build ({@code up}) last used it; empty for environments made before this was recorded
 * @param asleepSince when it was put to sleep, while it sleeps
 * @param limits the idle limits of the build that last used it
 */
public record EnvironmentActivity(boolean asleep, Optional<Instant> lastUsed, Optional<Instant> asleepSince,
    IdleLimits limits) {
    /** An awake environment with nothing recorded. */
    public static final EnvironmentActivity UNRECORDED =
        new EnvironmentActivity(false, Optional.empty(), Optional.empty(), IdleLimits.NONE);

    public EnvironmentActivity {
        Objects.requireNonNull(lastUsed, "lastUsed");
        Objects.requireNonNull(asleepSince, "asleepSince");
        Objects.requireNonNull(limits, "limits");
    }

    /** How long it has not been used at {@code now}, counted from {@code fallback} when no use was recorded. */
    public Optional<Duration> idleFor(Instant now, Optional<Instant> fallback) {
        return lastUsed.or(() -> fallback).map(t -> {
            Duration d = Duration.between(t, now);
            return d.isNegative() ? Duration.ZERO : d;
        });
    }
}
