package io.kubepodenv.engine.naming;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InstanceIdsTest {
    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    @Test
    void preevyVectorProfileAndEnvGiveThePreevyPrefix() {
        String id = new InstanceIds().generate("1myprofile!13", "1myenv_12");
        assertThat(id).startsWith("a1myprofile-13-1myenv-12-").hasSize("a1myprofile-13-1myenv-12-".length() + 5);
    }

    @Test
    void suffixIsFiveLowerCaseLettersOrDigits() {
        String id = new InstanceIds().generate("env");
        assertThat(id).matches("env-[a-z0-9]{5}");
    }

    @Test
    void twoIdsForOneKeyDiffer() {
        InstanceIds ids = new InstanceIds();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            seen.add(ids.generate("same-key"));
        }
        assertThat(seen).hasSizeGreaterThan(45);
    }

    @Test
    void aSeededGeneratorIsReproducible() {
        assertThat(new InstanceIds(new Random(7)).generate("k")).isEqualTo(new InstanceIds(new Random(7)).generate("k"));
    }

    @Test
    void aLongKeyIsCutTo42CharactersOfPrefixAnd48InAll() {
        String id = new InstanceIds().generate("k".repeat(300));
        assertThat(InstanceIds.prefix("k".repeat(300))).hasSize(42);
        assertThat(id).hasSize(48);
    }

    @Test
    void aCutNeverLeavesADashBeforeTheSuffix() {
        // position 42 of the readable part falls right after a dash
        String prefix = InstanceIds.prefix("a".repeat(41) + "-bbbb");
        assertThat(prefix).isEqualTo("a".repeat(41));
    }

    @Test
    void aKeyOfOnlySymbolsGivesAReadablePrefix() {
        assertThat(InstanceIds.prefix("!!!___///")).isEqualTo("env");
    }

    @Test
    void runsOfSymbolsCollapseToOneDash() {
        assertThat(InstanceIds.prefix("a!!__b")).isEqualTo("a-b");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "1", "-", "ÄÖÜ", "日本語", "\uD83D\uDE00", "project/PR-12", "Feature_Branch.v2",
        "{{ id }}", "--lead", "trail--", "999999"})
    void alwaysAValidDnsLabelOfAtMost48StartingWithALetter(String key) {
        String long300 = key.repeat(300 / Math.max(1, key.length()) + 1);
        for (String input : new String[] {key, long300, "9" + long300}) {
            String id = new InstanceIds().generate(input);
            assertThat(id).hasSizeLessThanOrEqualTo(InstanceIds.MAX_LENGTH).matches(DNS_LABEL).matches("[a-z].*");
            assertThat(InstanceIds.isValid(id)).isTrue();
            assertThat(LabelValues.isValid(id)).isTrue();
        }
    }

    @Test
    void isValidRefusesWhatGenerateCannotMake() {
        assertThat(InstanceIds.isValid("abc-12345")).isTrue();
        assertThat(InstanceIds.isValid("1abc")).isFalse();
        assertThat(InstanceIds.isValid("Abc")).isFalse();
        assertThat(InstanceIds.isValid("abc-")).isFalse();
        assertThat(InstanceIds.isValid("a".repeat(49))).isFalse();
        assertThat(InstanceIds.isValid("")).isFalse();
    }
}
