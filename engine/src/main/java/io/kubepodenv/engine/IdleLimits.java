package io.kubepodenv.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How long an environment may sit unused: after {@code sleepAfter} without a build it is put to sleep (its Docker
 * server's pod goes away, its volume stays); after {@code maxIdle} without a build it is deleted. Both are off unless
 * set. An environment carries the limits of the build that last used it, so that a reconciler applies each
 * environment's own (global, folder or job) setting.
 *
 * @param sleepAfter idle time after which the environment sleeps; empty: never
 * @param maxIdle idle time after which the environment is deleted; empty: never
 */
public record IdleLimits(Optional<Duration> sleepAfter, Optional<Duration> maxIdle) {
    /** Neither sleep nor idle expiry. */
    public static final IdleLimits NONE = new IdleLimits(Optional.empty(), Optional.empty());
    /** The shortest limit accepted: shorter ones would put environments to sleep between two steps of a build. */
    public static final Duration MINIMUM = Duration.ofMinutes(1);

    public IdleLimits {
        Objects.requireNonNull(sleepAfter, "sleepAfter");
        Objects.requireNonNull(maxIdle, "maxIdle");
        sleepAfter.ifPresent(d -> check("sleep after", d));
        maxIdle.ifPresent(d -> check("max idle", d));
    }

    /** Parses what a user typed; null or blank means unset. */
    public static IdleLimits parse(String sleepAfter, String maxIdle) {
        return new IdleLimits(parseOne("sleep after", sleepAfter), parseOne("max idle", maxIdle));
    }

    static Optional<Duration> parseOne(String option, String text) {
        return text == null || text.isBlank() ? Optional.empty() : Optional.of(Durations.parse(option, text));
    }

    private static void check(String option, Duration d) {
        if (d.compareTo(MINIMUM) < 0) {
            throw new InvalidInputException(option + ": " + Durations.format(d) + " is shorter than the "
                + Durations.format(MINIMUM) + " allowed");
        }
    }

    public boolean isNone() {
        return sleepAfter.isEmpty() && maxIdle.isEmpty();
    }
}
