package io.kubepodenv.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An environment as listings show it to people. */
class EnvironmentRowTest {
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

    private static Environment environment(boolean complete, EnvironmentActivity activity) {
        return new Environment(EnvironmentKey.of("change:shop:s:9"), "change-shop-s-9-abcde", "ci", "sts",
            "sha256:0", Optional.of(NOW.minus(Duration.ofHours(26))), false, List.of(), "kpe", DockerEndpoint.PLAIN,
            complete, activity);
    }

    @Test
    void aSleepingEnvironmentShowsItsStateAgeAndLastUse() {
        EnvironmentActivity asleep = new EnvironmentActivity(true, Optional.of(NOW.minus(Duration.ofMinutes(150))),
            Optional.of(NOW.minus(Duration.ofMinutes(30))), IdleLimits.NONE);

        assertThat(EnvironmentRow.of(environment(true, asleep), NOW).columns()).containsExactly("change:shop:s:9",
            "change-shop-s-9-abcde", "ci", "26h", "sleeping", "2h30m ago", "kpe");
    }

    @Test
    void anIncompleteEnvironmentWithNothingRecordedShowsQuestionMarks() {
        Environment e = new Environment(EnvironmentKey.of("job:x"), "job-x-abcde", "ci", "", "", Optional.empty(),
            false, List.of(), "kpe", DockerEndpoint.PLAIN, false, EnvironmentActivity.UNRECORDED);

        EnvironmentRow row = EnvironmentRow.of(e, NOW);

        assertThat(row.state()).isEqualTo("incomplete");
        assertThat(row.age()).isEqualTo("?");
        assertThat(row.lastUse()).isEqualTo("?");
    }

    @Test
    void aClockBehindTheRecordShowsNoNegativeAge() {
        EnvironmentActivity usedLater = new EnvironmentActivity(false, Optional.of(NOW.plusSeconds(5)),
            Optional.empty(), IdleLimits.NONE);

        assertThat(EnvironmentRow.of(environment(true, usedLater), NOW).lastUse()).isEqualTo("0ms ago");
    }
}
