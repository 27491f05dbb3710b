package io.kubepodenv.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * One environment as a listing shows it to people ({@code kpe ls}, the Jenkins administrator page): every column as
 * text, ages rounded to the second, {@code ?} where nothing is recorded.
 */
public record EnvironmentRow(String key, String id, String namespace, String age, String state, String lastUse,
    String owner) {

    /** The columns' names, in order. */
    public static final String[] HEADINGS = {"KEY", "ID", "NAMESPACE", "AGE", "STATE", "LAST USE", "OWNER"};

    /** {@code environment} as seen at {@code now}. */
    public static EnvironmentRow of(Environment environment, Instant now) {
        return new EnvironmentRow(environment.key().value(), environment.id(), environment.namespace(),
            environment.createdAt().map(c -> Durations.format(since(c, now))).orElse("?"),
            environment.state().display(),
            environment.activity().lastUsed().map(t -> Durations.format(since(t, now)) + " ago").orElse("?"),
            environment.owner());
    }

    /** The columns in the order of {@link #HEADINGS}. */
    public String[] columns() {
        return new String[] {key, id, namespace, age, state, lastUse, owner};
    }

    private static Duration since(Instant then, Instant now) {
        Duration d = Duration.between(then, now);
        return d.isNegative() ? Duration.ZERO : Duration.ofSeconds(d.toSeconds());
    }
}
