package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.config.BuildIdentity;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Given the cluster's environments, the live keys and the running builds: what is deleted, deferred or kept. */
class ReconcilePolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final String US = "jenkins-0123456789ab";
    private static final String PR_12 = "change:team/app:src-1:12";
    private static final String PR_13 = "change:team/app:src-1:13";
    private static final String MAIN = "job:team/app/main";
    private static final String PLAIN = "job:nightly";

    private static Environment env(String key, String owner, Duration age) {
        return new Environment(EnvironmentKey.of(key), "e" + Math.abs(key.hashCode()) + owner.length(), "ns", "sts",
            "sha256:x", age == null ? Optional.empty() : Optional.of(NOW.minus(age)), true, List.of(), owner);
    }

    private static Set<EnvironmentKey> keys(String... values) {
        return java.util.Arrays.stream(values).map(EnvironmentKey::of).collect(java.util.stream.Collectors.toSet());
    }

    private static Predicate<EnvironmentKey> busy(String... values) {
        Set<EnvironmentKey> set = keys(values);
        return set::contains;
    }

    private static Map<String, ReconcilePolicy.Action> actions(List<ReconcilePolicy.Decision> decisions) {
        Map<String, ReconcilePolicy.Action> m = new LinkedHashMap<>();
        decisions.forEach(d -> m.put(d.environment().key().value(), d.action()));
        return m;
    }

    private static final List<Environment> CLUSTER = List.of(
        env(PR_12, US, Duration.ofDays(2)),
        env(PR_13, US, Duration.ofHours(1)),
        env(MAIN, US, Duration.ofMinutes(5)),
        env(PLAIN, US, Duration.ofDays(9)),
        env("change:team/app:src-1:99", "jenkins-ffffffffffff", Duration.ofDays(30)),
        env("anything", "kpe", Duration.ofDays(30)));

    @Test
    void environmentsWhoseJobsAreGoneAreDeletedAndTheOthersKept() {
        ReconcilePolicy policy = new ReconcilePolicy(US, keys(PR_13, PLAIN), busy(), ReconcilePolicy.everything(),
            Optional.empty());
        List<ReconcilePolicy.Decision> decisions = policy.decide(CLUSTER, NOW);
        assertThat(actions(decisions)).containsExactly(
            Map.entry(PR_12, ReconcilePolicy.Action.DELETE),
            Map.entry(PR_13, ReconcilePolicy.Action.KEEP),
            Map.entry(MAIN, ReconcilePolicy.Action.DELETE),
            Map.entry(PLAIN, ReconcilePolicy.Action.KEEP));
        assertThat(decisions.get(0).reason()).contains("no longer alive");
        assertThat(decisions.get(1).reason()).contains("alive");
    }

    @Test
    void otherControllersAndTheCommandLineAreNeverTouched() {
        ReconcilePolicy policy = new ReconcilePolicy(US, Set.of(), busy(), ReconcilePolicy.everything(),
            Optional.empty());
        assertThat(policy.decide(CLUSTER, NOW)).extracting(d -> d.environment().owner()).containsOnly(US);
    }

    @Test
    void aCondemnedEnvironmentWithARunningBuildIsDeferredNotDeleted() {
        ReconcilePolicy policy = new ReconcilePolicy(US, keys(PR_13, PLAIN, MAIN), busy(PR_12),
            ReconcilePolicy.everything(), Optional.empty());
        ReconcilePolicy.Decision pr12 = policy.decide(CLUSTER, NOW).get(0);
        assertThat(pr12.action()).isEqualTo(ReconcilePolicy.Action.DEFER);
        assertThat(pr12.reason()).contains("no longer alive").contains("still running");
    }

    @Test
    void aBusyKeyThatIsAliveIsSimplyKept() {
        ReconcilePolicy policy = new ReconcilePolicy(US, keys(PR_12, PR_13, MAIN, PLAIN), busy(PR_12),
            ReconcilePolicy.everything(), Optional.empty());
        assertThat(actions(policy.decide(CLUSTER, NOW))).containsValues(ReconcilePolicy.Action.KEEP)
            .doesNotContainValue(ReconcilePolicy.Action.DEFER).doesNotContainValue(ReconcilePolicy.Action.DELETE);
    }

    @Test
    void theMaximumAgeCollectsLiveEnvironmentsTooButNeverUnderABuild() {
        ReconcilePolicy policy = new ReconcilePolicy(US, keys(PR_12, PR_13, MAIN, PLAIN), busy(PLAIN),
            ReconcilePolicy.everything(), Optional.of(Duration.ofDays(1)));
        List<ReconcilePolicy.Decision> decisions = policy.decide(CLUSTER, NOW);
        assertThat(actions(decisions)).containsExactly(
            Map.entry(PR_12, ReconcilePolicy.Action.DELETE),
            Map.entry(PR_13, ReconcilePolicy.Action.KEEP),
            Map.entry(MAIN, ReconcilePolicy.Action.KEEP),
            Map.entry(PLAIN, ReconcilePolicy.Action.DEFER));
        assertThat(decisions.get(0).reason()).contains("older than 24h");
        assertThat(decisions.get(1).reason()).contains("younger than 24h");
    }

    @Test
    void aScopedReconciliationLooksOnlyAtTheKeysOfTheItem() {
        // team/app's jobs are all gone (its live keys are empty); the plain job elsewhere is out of scope.
        ReconcilePolicy policy = new ReconcilePolicy(US, Set.of(), busy(), BuildIdentity.keysUnder("team/app"),
            Optional.empty());
        assertThat(actions(policy.decide(CLUSTER, NOW))).containsOnlyKeys(PR_12, PR_13, MAIN)
            .containsValues(ReconcilePolicy.Action.DELETE).doesNotContainValue(ReconcilePolicy.Action.KEEP);
    }

    @Test
    void aDeadJobsBuildStillProtectsItsPullRequestWhateverTheSource() {
        // A dead branch forgets its SCM source; its running build is matched by project and change id.
        ReconcilePolicy policy = new ReconcilePolicy(US, Set.of(), BuildIdentity.keysOfChange("team/app", "12"),
            BuildIdentity.keysUnder("team/app"), Optional.empty());
        assertThat(actions(policy.decide(CLUSTER, NOW))).containsExactly(
            Map.entry(PR_12, ReconcilePolicy.Action.DEFER),
            Map.entry(PR_13, ReconcilePolicy.Action.DELETE),
            Map.entry(MAIN, ReconcilePolicy.Action.DELETE));
    }

    @Test
    void theCollectionPartIsTheSharedPolicy() {
        ReconcilePolicy policy = new ReconcilePolicy(US, keys(PR_13), busy(), ReconcilePolicy.everything(),
            Optional.of(Duration.ofDays(3)));
        assertThat(policy.collection()).isEqualTo(new CollectionPolicy(Optional.of(US), Optional.of(keys(PR_13)),
            Optional.of(Duration.ofDays(3))));
    }
}
