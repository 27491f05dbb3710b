package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentActivity;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.EnvironmentState;
import io.kubepodenv.engine.IdleLimits;
import io.kubepodenv.engine.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which environments sleep and which expire for want of use, from their recorded last use and limits. */
class IdlePolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final IdleLimits TWO_HOURS_SEVEN_DAYS =
        new IdleLimits(Optional.of(Duration.ofHours(2)), Optional.of(Duration.ofDays(7)));

    private static Environment env(String key, Duration idle, boolean asleep, IdleLimits limits) {
        EnvironmentActivity activity = new EnvironmentActivity(asleep,
            idle == null ? Optional.empty() : Optional.of(NOW.minus(idle)),
            asleep ? Optional.of(NOW.minus(Duration.ofMinutes(5))) : Optional.empty(), limits);
        return new Environment(EnvironmentKey.of(key), "e-" + key, "ns", "sts", "sha256:x",
            Optional.of(NOW.minus(Duration.ofDays(30))), !asleep, List.of(), "owner",
            io.kubepodenv.engine.DockerEndpoint.PLAIN, activity);
    }

    @Test
    void anAwakeEnvironmentUnusedForLongerThanItsOwnSleepLimitSleeps() {
        assertThat(IdlePolicy.RECORDED.sleep(env("a", Duration.ofHours(3), false, TWO_HOURS_SEVEN_DAYS), NOW))
            .hasValueSatisfying(reason -> assertThat(reason).contains("2h").contains("sleep after"));
    }

    @Test
    void anEnvironmentUsedWithinItsSleepLimitStaysAwake() {
        assertThat(IdlePolicy.RECORDED.sleep(env("a", Duration.ofMinutes(90), false, TWO_HOURS_SEVEN_DAYS), NOW))
            .isEmpty();
    }

    @Test
    void aSleepingEnvironmentIsNotPutToSleepAgain() {
        assertThat(IdlePolicy.RECORDED.sleep(env("a", Duration.ofHours(3), true, TWO_HOURS_SEVEN_DAYS), NOW))
            .isEmpty();
    }

    @Test
    void anEnvironmentWithoutLimitsNeverSleepsUnlessTheCallerSetsOne() {
        Environment e = env("a", Duration.ofDays(3), false, IdleLimits.NONE);
        assertThat(IdlePolicy.RECORDED.sleep(e, NOW)).isEmpty();
        assertThat(new IdlePolicy(new IdleLimits(Optional.of(Duration.ofDays(1)), Optional.empty())).sleep(e, NOW))
            .isPresent();
    }

    @Test
    void theCallersLimitOverridesTheRecordedOne() {
        Environment e = env("a", Duration.ofHours(3), false, TWO_HOURS_SEVEN_DAYS);
        assertThat(new IdlePolicy(new IdleLimits(Optional.of(Duration.ofHours(4)), Optional.empty())).sleep(e, NOW))
            .isEmpty();
    }

    @Test
    void withoutARecordedUseIdleTimeRunsFromCreation() {
        Environment e = env("a", null, false, TWO_HOURS_SEVEN_DAYS);
        assertThat(IdlePolicy.RECORDED.sleep(e, NOW)).isPresent();
        assertThat(IdlePolicy.RECORDED.expiry(e, NOW)).isPresent();
    }

    @Test
    void anEnvironmentUnusedForLongerThanItsMaxIdleExpiresAsleepOrAwake() {
        assertThat(IdlePolicy.RECORDED.expiry(env("a", Duration.ofDays(8), true, TWO_HOURS_SEVEN_DAYS), NOW))
            .hasValueSatisfying(reason -> assertThat(reason).contains("max idle"));
        assertThat(IdlePolicy.RECORDED.expiry(env("b", Duration.ofDays(6), true, TWO_HOURS_SEVEN_DAYS), NOW))
            .isEmpty();
    }

    @Test
    void maxIdleDeletesEvenWhenTheKeyIsAliveAndTheAgeIsBelowTheMaximum() {
        CollectionPolicy policy = new CollectionPolicy(Optional.of("owner"),
            Optional.of(Set.of(EnvironmentKey.of("a"))), Optional.of(Duration.ofDays(60)));
        assertThat(policy.decide(List.of(env("a", Duration.ofDays(8), false, TWO_HOURS_SEVEN_DAYS)), NOW))
            .singleElement().satisfies(v -> assertThat(v.reason()).contains("max idle"));
    }

    @Test
    void aSleepingEnvironmentShowsAsSleeping() {
        assertThat(env("a", Duration.ofHours(3), true, TWO_HOURS_SEVEN_DAYS).state())
            .isEqualTo(EnvironmentState.SLEEPING);
        assertThat(EnvironmentState.NOT_READY.display()).isEqualTo("not ready");
    }

    @Test
    void limitsShorterThanAMinuteAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> IdleLimits.parse("30s", null)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("sleep after").hasMessageContaining("1m");
        assertThatThrownBy(() -> IdleLimits.parse(null, "soon")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("max idle").hasMessageContaining("'soon'");
    }

    @Test
    void busyKeysAreNeverPutToSleepByTheReconciler() {
        Environment idle = env("a", Duration.ofHours(3), false, TWO_HOURS_SEVEN_DAYS);
        ReconcilePolicy policy = new ReconcilePolicy("owner", Set.of(idle.key()), k -> true,
            ReconcilePolicy.everything(), Optional.empty());
        assertThat(policy.decide(List.of(idle), NOW)).singleElement()
            .satisfies(d -> assertThat(d.action()).isEqualTo(ReconcilePolicy.Action.KEEP));
        ReconcilePolicy idleBuilds = new ReconcilePolicy("owner", Set.of(idle.key()), k -> false,
            ReconcilePolicy.everything(), Optional.empty());
        assertThat(idleBuilds.decide(List.of(idle), NOW)).singleElement()
            .satisfies(d -> assertThat(d.action()).isEqualTo(ReconcilePolicy.Action.SLEEP));
    }
}
