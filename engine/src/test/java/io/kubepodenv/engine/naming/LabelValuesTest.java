package io.kubepodenv.engine.naming;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LabelValuesTest {
    private static final String VALID = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

    @Test
    void preevyVectorReplacesSymbolsAndPadsBothEnds() {
        assertThat(LabelValues.sanitize("-aBCd!e-")).isEqualTo("a-aBCd-e-z");
    }

    @Test
    void preevyVectorLeavesAValidValueUnchanged() {
        assertThat(LabelValues.sanitize("1aBCde")).isEqualTo("1aBCde");
    }

    @Test
    void keepsUnderscoresDotsAndCase() {
        assertThat(LabelValues.sanitize("My_Project.v2")).isEqualTo("My_Project.v2");
    }

    @Test
    void replacesEachUnicodeCodePointWithOneDash() {
        // one dash per code point, also for characters outside the BMP (a surrogate pair)
        assertThat(LabelValues.sanitize("café-\uD83D\uDE00x")).isEqualTo("caf---x");
    }

    @Test
    void makesAValueOfOnlySymbolsValid() {
        assertThat(LabelValues.sanitize("!@#$%")).isEqualTo("a-----z");
    }

    @Test
    void makesTheEmptyStringAValidNonEmptyValue() {
        assertThat(LabelValues.sanitize("")).isEqualTo("a");
    }

    @Test
    void shortensA300CharacterValueTo63WithAHashSuffix() {
        String value = LabelValues.sanitize("k".repeat(300));
        assertThat(value).hasSize(63).startsWith("k".repeat(58) + "-").matches(VALID);
    }

    @Test
    void longValuesThatDifferOnlyAtTheEndStayDistinct() {
        String a = LabelValues.sanitize("x".repeat(200) + "a");
        String b = LabelValues.sanitize("x".repeat(200) + "b");
        assertThat(a).isNotEqualTo(b);
        assertThat(a).hasSize(63);
        assertThat(b).hasSize(63);
    }

    @Test
    void aValueOfExactly63ValidCharactersIsNotShortened() {
        String value = "v".repeat(63);
        assertThat(LabelValues.sanitize(value)).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "-", "--x--", "ü", "\uD83D\uDE00", "a b c", "project/PR-12", "1", "_x_",
        "{{ id }}", "ends.", ".starts"})
    void alwaysProducesAValidLabelValueOfAtMost63(String text) {
        String long300 = text.repeat(300 / Math.max(1, text.length()) + 1);
        for (String input : new String[] {text, long300, "!" + long300 + "!"}) {
            String value = LabelValues.sanitize(input);
            assertThat(value).hasSizeLessThanOrEqualTo(63).matches(VALID).isNotEmpty();
            assertThat(LabelValues.isValid(value)).isTrue();
        }
    }

    @Test
    void isValidRejectsWhatKubernetesRejects() {
        assertThat(LabelValues.isValid("")).isTrue();
        assertThat(LabelValues.isValid("ok-1.2_3")).isTrue();
        assertThat(LabelValues.isValid("-x")).isFalse();
        assertThat(LabelValues.isValid("x-")).isFalse();
        assertThat(LabelValues.isValid("a b")).isFalse();
        assertThat(LabelValues.isValid("é")).isFalse();
        assertThat(LabelValues.isValid("v".repeat(64))).isFalse();
    }
}
