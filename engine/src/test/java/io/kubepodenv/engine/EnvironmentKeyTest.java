package io.kubepodenv.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.naming.LabelValues;
import org.junit.jupiter.api.Test;

class EnvironmentKeyTest {

    @Test
    void keysWhoseLabelValuesCollideHaveDifferentHashes() {
        EnvironmentKey slash = EnvironmentKey.of("team/app PR-1");
        EnvironmentKey colon = EnvironmentKey.of("team:app:PR-1");
        assertThat(slash.labelValue()).isEqualTo(colon.labelValue()).isEqualTo("team-app-PR-1");
        assertThat(slash.hash()).isNotEqualTo(colon.hash());
    }

    @Test
    void hashIs40LowerCaseHexCharactersAndStable() {
        EnvironmentKey key = EnvironmentKey.of("org/repo/PR-42");
        assertThat(key.hash()).matches("[0-9a-f]{40}").isEqualTo(EnvironmentKey.of("org/repo/PR-42").hash());
        assertThat(LabelValues.isValid(key.hash())).isTrue();
    }

    @Test
    void labelValueOfAUnicodeKeyIsValid() {
        assertThat(LabelValues.isValid(EnvironmentKey.of("Prüfung/日本/PR-1").labelValue())).isTrue();
    }

    @Test
    void labelValueOfAMaximalKeyIsValid() {
        EnvironmentKey key = EnvironmentKey.of("x/".repeat(EnvironmentKey.MAX_LENGTH / 2));
        assertThat(key.labelValue()).hasSizeLessThanOrEqualTo(63);
        assertThat(LabelValues.isValid(key.labelValue())).isTrue();
    }

    @Test
    void emptyKeyIsRefused() {
        assertThatThrownBy(() -> EnvironmentKey.of("")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("environment key: must not be empty");
    }

    @Test
    void blankKeyIsRefused() {
        assertThatThrownBy(() -> EnvironmentKey.of("   ")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("must not be empty");
    }

    @Test
    void nullKeyIsRefused() {
        assertThatThrownBy(() -> EnvironmentKey.of(null)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void overlongKeyIsRefusedWithItsLength() {
        assertThatThrownBy(() -> EnvironmentKey.of("k".repeat(1025))).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("1025 characters, at most 1024");
    }

    @Test
    void keyWithANewlineIsRefused() {
        assertThatThrownBy(() -> EnvironmentKey.of("a\nb")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("control characters");
    }

    @Test
    void equalValuesAreEqualKeys() {
        assertThat(EnvironmentKey.of("a")).isEqualTo(EnvironmentKey.of("a")).hasToString("a");
    }
}
