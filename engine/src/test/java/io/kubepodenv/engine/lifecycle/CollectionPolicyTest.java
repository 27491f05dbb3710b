package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CollectionPolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    private static Environment env(String key, String owner, Duration age) {
        return new Environment(EnvironmentKey.of(key), key.replaceAll("[^a-z0-9]", "-") + "-abcde", "ns", "sts",
            "sha256:x", age == null ? Optional.empty() : Optional.of(NOW.minus(age)), true, List.of(), owner);
    }

    private static List<String> keysOf(List<CollectionPolicy.Verdict> verdicts) {
        return verdicts.stream().map(v -> v.environment().key().value()).toList();
    }

    @Test
    void environmentsWhoseKeyIsNoLongerAliveAreCollected() {
        CollectionPolicy policy = new CollectionPolicy(Optional.empty(),
            Optional.of(Set.of(EnvironmentKey.of("pr-1"))), Optional.empty());
        List<CollectionPolicy.Verdict> doomed = policy.decide(
            List.of(env("pr-1", "kpe", Duration.ofDays(30)), env("pr-2", "kpe", Duration.ofMinutes(1))), NOW);
        assertThat(keysOf(doomed)).containsExactly("pr-2");
        assertThat(doomed.get(0).reason()).contains("no longer alive");
    }

    @Test
    void environmentsOlderThanTheMaximumAgeAreCollectedAndUnknownAgesAreKept() {
        CollectionPolicy policy = new CollectionPolicy(Optional.empty(), Optional.empty(),
            Optional.of(Duration.ofHours(72)));
        List<CollectionPolicy.Verdict> doomed = policy.decide(List.of(env("old", "kpe", Duration.ofHours(73)),
            env("young", "kpe", Duration.ofHours(71)), env("unknown", "kpe", null)), NOW);
        assertThat(keysOf(doomed)).containsExactly("old");
        assertThat(doomed.get(0).reason()).contains("older than 72h");
    }

    @Test
    void onlyTheGivenOwnersEnvironmentsAreConsidered() {
        CollectionPolicy policy = new CollectionPolicy(Optional.of("jenkins-a"), Optional.of(Set.of()),
            Optional.empty());
        List<CollectionPolicy.Verdict> doomed = policy.decide(List.of(env("pr-1", "jenkins-a", Duration.ZERO),
            env("pr-2", "jenkins-b", Duration.ZERO)), NOW);
        assertThat(keysOf(doomed)).containsExactly("pr-1");
    }

    @Test
    void anEmptyListOfLiveKeysCollectsEverythingOfTheOwner() {
        CollectionPolicy policy = new CollectionPolicy(Optional.empty(), Optional.of(Set.of()), Optional.empty());
        assertThat(policy.decide(List.of(env("a", "x", Duration.ZERO), env("b", "y", Duration.ZERO)), NOW))
            .hasSize(2);
    }

    @Test
    void aPolicyWithoutCriterionIsRefused() {
        assertThatThrownBy(() -> new CollectionPolicy(Optional.empty(), Optional.empty(), Optional.empty()))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("needs a criterion");
    }

    @Test
    void aNonPositiveMaximumAgeIsRefused() {
        assertThatThrownBy(() -> new CollectionPolicy(Optional.empty(), Optional.empty(), Optional.of(Duration.ZERO)))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("maximum age");
    }
}
