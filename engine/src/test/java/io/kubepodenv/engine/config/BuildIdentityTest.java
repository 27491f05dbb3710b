package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.InvalidInputException;
import org.junit.jupiter.api.Test;

class BuildIdentityTest {

    @Test
    void jobsOfOnePullRequestShareOneKey() {
        BuildIdentity merge = BuildIdentity.ofChange("org/app/PR-12-merge", "org/app", "github-1", "12", "", "");
        BuildIdentity head = BuildIdentity.ofChange("org/app/PR-12-head", "org/app", "github-1", "12", "", "");

        assertThat(merge.key()).isEqualTo(head.key());
        assertThat(merge.key().value()).isEqualTo("change:org/app:github-1:12");
    }

    @Test
    void theSameChangeIdFromAnotherSourceOrProjectIsAnotherEnvironment() {
        BuildIdentity a = BuildIdentity.ofChange("org/app/PR-12", "org/app", "github-1", "12", "", "");
        BuildIdentity otherSource = BuildIdentity.ofChange("org/app/PR-12", "org/app", "gitlab-2", "12", "", "");
        BuildIdentity otherProject = BuildIdentity.ofChange("org/lib/PR-12", "org/lib", "github-1", "12", "", "");

        assertThat(a.key()).isNotEqualTo(otherSource.key()).isNotEqualTo(otherProject.key());
    }

    @Test
    void anyOtherBuildIsKeyedByItsJob() {
        assertThat(BuildIdentity.ofJob("team/nightly", "").key().value()).isEqualTo("job:team/nightly");
        assertThat(BuildIdentity.ofJob("org/app/main", "").key())
            .isNotEqualTo(BuildIdentity.ofJob("org/app/dev", "").key());
    }

    @Test
    void pullRequestsKeepTheirEnvironmentByDefaultOtherBuildsDoNot() {
        assertThat(BuildIdentity.ofChange("a/PR-1", "a", "s", "1", "", "").keepByDefault()).isTrue();
        assertThat(BuildIdentity.ofJob("a/main", "").keepByDefault()).isFalse();
    }

    @Test
    void attributesRecordTheJobAndThePullRequest() {
        BuildIdentity pr = BuildIdentity.ofChange("org/app/PR-12", "org/app", "github-1", "12",
            "https://github.com/org/app/pull/12", "https://ci/job/org/job/app/job/PR-12/3/");

        assertThat(pr.attributes()).containsEntry("job", "org/app/PR-12").containsEntry("change-id", "12")
            .containsEntry("project", "org/app").containsEntry("source-id", "github-1")
            .containsEntry("change-url", "https://github.com/org/app/pull/12")
            .containsEntry("build-url", "https://ci/job/org/job/app/job/PR-12/3/");
        assertThat(BuildIdentity.ofJob("nightly", "").attributes()).containsOnlyKeys("job");
        pr.attributes().keySet().forEach(k -> assertThat(k).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"));
    }

    @Test
    void aChangeWithoutItsProjectIsRefused() {
        assertThatThrownBy(() -> new BuildIdentity("PR-1", "", "", "1", "", ""))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("needs the multibranch project");
    }

    @Test
    void controllerOwnerIsAStableLabelValue() {
        String owner = BuildIdentity.controllerOwner("https://ci.example.com/");

        assertThat(owner).matches("jenkins-[0-9a-f]{12}");
        assertThat(BuildIdentity.controllerOwner("https://ci.example.com/")).isEqualTo(owner);
        assertThat(BuildIdentity.controllerOwner("https://other.example.com/")).isNotEqualTo(owner);
    }

    @Test
    void theKeysUnderAnItemAreItsJobsAndItsChangesAndNothingWithASimilarName() {
        var under = BuildIdentity.keysUnder("team/app");
        assertThat(under.test(io.kubepodenv.engine.EnvironmentKey.of("job:team/app"))).isTrue();
        assertThat(under.test(io.kubepodenv.engine.EnvironmentKey.of("job:team/app/main"))).isTrue();
        assertThat(under.test(io.kubepodenv.engine.EnvironmentKey.of("change:team/app:src:12"))).isTrue();
        assertThat(under.test(io.kubepodenv.engine.EnvironmentKey.of("change:team/app/sub:src:12"))).isTrue();
        assertThat(under.test(io.kubepodenv.engine.EnvironmentKey.of("job:team/application"))).isFalse();
        assertThat(under.test(io.kubepodenv.engine.EnvironmentKey.of("change:team/application:src:12"))).isFalse();
        assertThat(under.test(io.kubepodenv.engine.EnvironmentKey.of("job:team"))).isFalse();
        assertThat(under.test(BuildIdentity.ofChange("team/app/PR-12-head", "team/app", "src", "12", "", "").key()))
            .isTrue();
    }

    @Test
    void theKeysOfAChangeMatchEverySourceButNoOtherChange() {
        var change = BuildIdentity.keysOfChange("team/app", "12");
        assertThat(change.test(BuildIdentity.ofChange("j", "team/app", "src-a", "12", "", "").key())).isTrue();
        assertThat(change.test(BuildIdentity.ofChange("j", "team/app", "", "12", "", "").key())).isTrue();
        assertThat(change.test(BuildIdentity.ofChange("j", "team/app", "src-a", "112", "", "").key())).isFalse();
        assertThat(change.test(BuildIdentity.ofChange("j", "team/app", "src-a", "1", "", "").key())).isFalse();
        assertThat(change.test(BuildIdentity.ofChange("j", "team/other", "src-a", "12", "", "").key())).isFalse();
        assertThat(change.test(BuildIdentity.ofJob("team/app/PR-12", "").key())).isFalse();
    }
}
