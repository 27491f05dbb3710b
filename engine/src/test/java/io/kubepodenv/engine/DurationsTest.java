package io.kubepodenv.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"90s,90", "10m,600", "1h30m,5400", "1h,3600", "2h5s,7205", "600,600", "PT10M,600", "pt1h,3600",
        "' 45s ',45", "10M,600", "7d,604800", "1d2h,93600"})
    void parsesTheFormsUsersType(String text, long seconds) {
        assertThat(Durations.parse("ready timeout", text)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "1.5h", "-5", "10 m", "1w", "m10", "PT", "ten", "30s10m"})
    void refusesAnythingElseNamingTheOption(String text) {
        assertThatThrownBy(() -> Durations.parse("ready timeout", text)).isInstanceOf(InvalidInputException.class)
            .hasMessageStartingWith("ready timeout: '" + text + "' is not a duration");
    }

    @ParameterizedTest
    @CsvSource({"90,1m30s", "600,10m", "3600,1h", "3601,1h1s", "5400,1h30m", "0,0ms", "59,59s"})
    void formatsCompactly(long seconds, String text) {
        assertThat(Durations.format(Duration.ofSeconds(seconds))).isEqualTo(text);
    }

    @ParameterizedTest
    @CsvSource({"450,450ms", "1000,1s"})
    void formatsMillisecondsBelowOneSecond(long millis, String text) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
    }
}
