package io.kubepodenv.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.IdleLimits;
import io.kubepodenv.engine.Options;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsResolverTest {
    private static final ClusterTarget GLOBAL_CLUSTER = ClusterTarget.of("https://k8s.example.com:6443", "", "k8s-token");
    private static final String TEMPLATE = "apiVersion: v1\nkind: ConfigMap\n";

    private final SettingsResolver resolver = new SettingsResolver("jenkins-0123456789ab");

    private static SettingsLayer global() {
        return SettingsLayer.configuration("global configuration").withCluster(GLOBAL_CLUSTER);
    }

    @Test
    void globalDefaultsAloneGiveTheEngineDefaults() {
        ResolvedSettings r = resolver.resolve(List.of(global()));

        assertThat(r.options().namespace()).isEqualTo(Options.DEFAULT_NAMESPACE);
        assertThat(r.options().readyTimeout()).isEqualTo(Options.DEFAULT_READY_TIMEOUT);
        assertThat(r.options().serverSideApply()).isTrue();
        assertThat(r.options().owner()).isEqualTo("jenkins-0123456789ab");
        assertThat(r.options().template().origin()).isEqualTo("bundled default template");
        assertThat(r.connectionMode()).isEqualTo(ConnectionMode.TUNNEL);
        assertThat(r.keep()).isEmpty();
        assertThat(r.cluster()).isEqualTo(GLOBAL_CLUSTER);
        assertThat(r.clusterOrigin()).isEqualTo("global configuration");
    }

    @Test
    void theMostSpecificLevelWinsFieldByField() {
        ResolvedSettings r = resolver.resolve(List.of(
            global().withNamespace("ci").withStorageSize("5").withReadyTimeout("5m"),
            SettingsLayer.configuration("folder 'team'").withNamespace("team").withStorageClass("fast"),
            SettingsLayer.configuration("job 'team/app'").withStorageSize("8"),
            SettingsLayer.parameters("withKubePodEnv parameters").withStorageSize("10").withServerSideApply(false)
                .withConnectionMode("DIRECT").withKeep(true)));

        assertThat(r.options().namespace()).isEqualTo("team");
        assertThat(r.options().storageClass()).contains("fast");
        assertThat(r.options().storageSize().render()).isEqualTo("10");
        assertThat(r.options().readyTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(r.options().serverSideApply()).isFalse();
        assertThat(r.connectionMode()).isEqualTo(ConnectionMode.DIRECT);
        assertThat(r.keep()).contains(true);
    }

    @Test
    void sleepAfterAndMaxIdleAreOffUnlessALevelSetsThemAndTheMostSpecificWins() {
        assertThat(resolver.resolve(List.of(global())).options().idleLimits()).isEqualTo(IdleLimits.NONE);

        ResolvedSettings r = resolver.resolve(List.of(
            global().withSleepAfter("2h").withMaxIdle("7d"),
            SettingsLayer.configuration("folder 'team'").withSleepAfter("30m"),
            SettingsLayer.configuration("job 'team/app'").withMaxIdle("")));

        assertThat(r.options().idleLimits().sleepAfter()).contains(Duration.ofMinutes(30));
        assertThat(r.options().idleLimits().maxIdle()).contains(Duration.ofDays(7));
    }

    @Test
    void anInvalidIdleLimitNamesItsLevelAndField() {
        assertThatThrownBy(() -> resolver.resolve(List.of(global(),
            SettingsLayer.configuration("folder 'team'").withSleepAfter("later"))))
            .hasMessageStartingWith("folder 'team', sleep after: 'later' is not a duration");
        assertThatThrownBy(() -> resolver.resolve(List.of(global().withMaxIdle("10s"))))
            .hasMessageStartingWith("global configuration, max idle: 10s is shorter than the 1m allowed");
    }

    @Test
    void blankValuesInheritFromTheLevelAbove() {
        ResolvedSettings r = resolver.resolve(List.of(global().withNamespace("ci"),
            SettingsLayer.configuration("folder 'team'").withNamespace("  ").withStorageSize("")));

        assertThat(r.options().namespace()).isEqualTo("ci");
        assertThat(r.options().storageSize().render()).isEqualTo("5");
    }

    @Test
    void theTemplateComesFromTheMostSpecificConfigurationLevelAndSaysWhere() {
        ResolvedSettings r = resolver.resolve(List.of(global().withTemplate("global: template"),
            SettingsLayer.configuration("folder 'team'").withTemplate(TEMPLATE)));

        assertThat(r.options().template().text()).isEqualTo(TEMPLATE);
        assertThat(r.options().template().origin()).isEqualTo("template of the folder 'team'");
    }

    @Test
    void theClusterIsTakenWholeFromOneLevel() {
        ClusterTarget folderCluster = ClusterTarget.of("https://other.example.com", "", "");
        assertThatThrownBy(() -> resolver.resolve(List.of(global(),
            SettingsLayer.configuration("folder 'team'").withCluster(folderCluster))))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageStartingWith("folder 'team', credentials: choose the credentials");

        ClusterTarget complete = ClusterTarget.of("https://other.example.com", "", "team-token");
        ResolvedSettings r = resolver.resolve(List.of(global(),
            SettingsLayer.configuration("folder 'team'").withCluster(complete)));
        assertThat(r.cluster()).isEqualTo(complete);
        assertThat(r.clusterOrigin()).isEqualTo("folder 'team'");
    }

    @Test
    void anUnconfiguredClusterAtALevelInherits() {
        ResolvedSettings r = resolver.resolve(List.of(global(),
            SettingsLayer.configuration("folder 'team'").withCluster(ClusterTarget.of("", "", ""))));

        assertThat(r.cluster()).isEqualTo(GLOBAL_CLUSTER);
    }

    @Test
    void stepParametersCannotSetTheTemplate() {
        assertThatThrownBy(() -> resolver.resolve(List.of(global(),
            SettingsLayer.parameters("withKubePodEnv parameters").withTemplate(TEMPLATE))))
            .isInstanceOf(InvalidInputException.class)
            .hasMessage("withKubePodEnv parameters: the template can only be set in the global, folder or job "
                + "configuration");
    }

    @Test
    void stepParametersCannotSetTheClusterOrCredentials() {
        assertThatThrownBy(() -> resolver.resolve(List.of(global(),
            SettingsLayer.parameters("withKubePodEnv parameters").withCluster(GLOBAL_CLUSTER))))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("the cluster and credentials can only be set in the global, folder or job");
    }

    @Test
    void anInvalidValueIsReportedWithItsLevelAndField() {
        assertThatThrownBy(() -> resolver.resolve(List.of(global(),
            SettingsLayer.parameters("withKubePodEnv parameters").withStorageSize("10Gi"))))
            .isInstanceOf(InvalidInputException.class)
            .hasMessage("withKubePodEnv parameters, storage size: '10Gi' is not a number of GiB (examples: 5, 12.5; "
                + "no unit)");
    }

    @Test
    void anInvalidNamespaceNamesTheFolder() {
        assertThatThrownBy(() -> resolver.resolve(List.of(global(),
            SettingsLayer.configuration("folder 'team'").withNamespace("Team_A"))))
            .hasMessageStartingWith("folder 'team', namespace: 'Team_A' is not a valid namespace name");
    }

    @Test
    void anInvalidTimeoutOrModeNamesTheField() {
        assertThatThrownBy(() -> resolver.resolve(List.of(global().withReadyTimeout("soon"))))
            .hasMessageStartingWith("global configuration, ready timeout: 'soon' is not a duration");
        assertThatThrownBy(() -> resolver.resolve(List.of(global().withConnectionMode("ssh"))))
            .hasMessage("global configuration, connection mode: 'ssh' is not one of tunnel, direct");
        assertThatThrownBy(() -> resolver.resolve(List.of(global().withStorageClass("Fast SSD"))))
            .hasMessageStartingWith("global configuration, storage class: 'Fast SSD' is not a valid StorageClass");
    }

    @Test
    void withoutAnyClusterTheMessageSaysWhereToConfigureOne() {
        assertThatThrownBy(() -> resolver.resolve(List.of(SettingsLayer.configuration("global configuration"))))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageStartingWith("no Kubernetes cluster is configured");
    }

    @Test
    void inClusterMustNotBeMixedWithAServerUrl() {
        assertThatThrownBy(() -> resolver.resolve(List.of(SettingsLayer.configuration("global configuration")
            .withCluster(new ClusterTarget(true, "https://k8s", "", "")))))
            .hasMessageStartingWith("global configuration: 'in cluster' uses the controller's service account");
    }

    @Test
    void aServerUrlMustBeHttps() {
        assertThatThrownBy(() -> resolver.resolve(List.of(SettingsLayer.configuration("global configuration")
            .withCluster(ClusterTarget.of("k8s.example.com:6443", "", "id")))))
            .hasMessageStartingWith("global configuration, server URL: 'k8s.example.com:6443' is not an http(s) URL");
        assertThatThrownBy(() -> resolver.resolve(List.of(SettingsLayer.configuration("global configuration")
            .withCluster(ClusterTarget.of("https://admin:secret@k8s.example.com", "", "id")))))
            .hasMessage("global configuration, server URL: must not contain a user name or password; use credentials "
                + "instead");
    }

    @Test
    void anInvalidCaCertificateNamesTheLevel() {
        assertThatThrownBy(() -> resolver.resolve(List.of(SettingsLayer.configuration("global configuration")
            .withCluster(ClusterTarget.of("https://k8s", "not a certificate", "id")))))
            .hasMessageStartingWith("global configuration, CA certificate: not a PEM certificate");
    }

    @Test
    void keepFollowsTheBuildUnlessALevelSaysOtherwise() {
        BuildIdentity pr = BuildIdentity.ofChange("app/PR-1", "app", "src", "1", "", "");
        BuildIdentity branch = BuildIdentity.ofJob("app/main", "");

        ResolvedSettings unset = resolver.resolve(List.of(global()));
        assertThat(unset.keepFor(pr)).isTrue();
        assertThat(unset.keepFor(branch)).isFalse();

        ResolvedSettings deleteAlways = resolver.resolve(List.of(global().withKeep(false)));
        assertThat(deleteAlways.keepFor(pr)).isFalse();
        ResolvedSettings keepAlways = resolver.resolve(List.of(global(),
            SettingsLayer.parameters("withKubePodEnv parameters").withKeep(true)));
        assertThat(keepAlways.keepFor(branch)).isTrue();
    }

    @Test
    void syncIsOffUnlessALevelTurnsItOnAndTheBlockMayTurnItOffAgain() {
        assertThat(resolver.resolve(List.of(global())).sync()).isFalse();

        SettingsLayer folder = SettingsLayer.configuration("folder 'team'").withSync(true);
        assertThat(resolver.resolve(List.of(global(), folder)).sync()).isTrue();
        assertThat(resolver.resolve(List.of(global(), folder,
            SettingsLayer.parameters("withKubePodEnv parameters").withSync(false))).sync()).isFalse();
    }
}

