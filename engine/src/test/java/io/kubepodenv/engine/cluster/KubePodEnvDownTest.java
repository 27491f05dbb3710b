package io.kubepodenv.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.TemplateSource;
import io.kubepodenv.engine.testing.ApplyPatchShimDispatcher.Call;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.MockClusterExtension;
import io.kubepodenv.engine.testing.RecordingListener;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KubePodEnvDownTest {
    private static final EnvironmentKey KEY = EnvironmentKey.of("org/repo/PR-7");
    private static final Duration SETTLE = Duration.ofSeconds(3);

    @RegisterExtension
    final MockClusterExtension mock = new MockClusterExtension();

    private final RecordingListener listener = new RecordingListener();

    private MockCluster cluster() {
        return mock.cluster();
    }

    private ReadyEnvironment up(Options options, EnvironmentKey key) {
        try (KubePodEnv engine = new KubePodEnv(cluster().client(), options, DockerServerCheck.POD_READY_ONLY)) {
            return engine.up(key, listener);
        }
    }

    private EnvironmentDeleter.Result down(Options options, EnvironmentKey key, boolean wait) {
        try (KubePodEnv engine = new KubePodEnv(cluster().client(), options, DockerServerCheck.POD_READY_ONLY)) {
            return engine.down(key, wait, listener);
        }
    }

    @Test
    void downDeletesEveryObjectOfTheEnvironmentIncludingItsClaim() {
        String id = up(cluster().options().build(), KEY).environment().id();
        EnvironmentDeleter.Result result = down(cluster().options().build(), KEY, false);
        assertThat(result.deleted()).contains("StatefulSet " + id, "ServiceAccount " + id + "-sa",
            "ConfigMap " + id + "-dc", "NetworkPolicy " + id + "-deny-ingress");
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
    }

    @Test
    void downDeletesTheStatefulSetFirstThenTheClaimsAndTheRecordLast() {
        String id = up(cluster().options().build(), KEY).environment().id();
        EnvironmentDeleter.Result result = down(cluster().options().build(), KEY, false);
        assertThat(result.deleted().get(0)).isEqualTo("StatefulSet " + id);
        List<String> deletes = cluster().engineRequests().stream().filter(c -> c.method().equals("DELETE"))
            .filter(c -> !c.resourcePath().contains("/leases")).map(Call::resourcePath).toList();
        assertThat(deletes.get(deletes.size() - 1)).endsWith("/configmaps/kube-pod-env-" + id);
        assertThat(deletes.get(deletes.size() - 2)).contains("/persistentvolumeclaims/");
    }

    @Test
    void downDeletesClaimsThatTheTemplateRetainsOnStatefulSetDeletion() {
        Options options = cluster().options().template(new TemplateSource("preevy", KubePodEnvUpTest.resource(
            "/io/kubepodenv/engine/template/preevy-style-template.yaml.njk"))).build();
        String id = up(options, KEY).environment().id();
        EnvironmentDeleter.Result result = down(options, KEY, true);
        assertThat(result.deleted()).contains("PersistentVolumeClaim data-" + id + "-0");
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
    }

    @Test
    void downWithWaitReturnsOnlyWhenEverythingIsGone() {
        up(cluster().options().build(), KEY);
        down(cluster().options().build(), KEY, true);
        assertThat(cluster().managedObjectNames()).isEmpty();
        assertThat(listener.text()).contains("all objects are gone");
    }

    @Test
    void downIsIdempotent() {
        up(cluster().options().build(), KEY);
        down(cluster().options().build(), KEY, true);
        EnvironmentDeleter.Result again = down(cluster().options().build(), KEY, true);
        assertThat(again.deleted()).isEmpty();
        assertThat(listener.text()).contains("nothing to delete");
    }

    @Test
    void downOfAnEnvironmentThatDoesNotExistSaysNothingToDelete() {
        EnvironmentDeleter.Result result = down(cluster().options().build(), EnvironmentKey.of("never/created"), false);
        assertThat(result.deleted()).isEmpty();
        assertThat(listener.text()).contains("no environment for key 'never/created' in namespace kpe-test: "
            + "nothing to delete");
        assertThat(cluster().engineRequests()).noneMatch(c -> c.method().equals("DELETE")
            && !c.resourcePath().contains("/leases"));
    }

    @Test
    void downLeavesOtherEnvironmentsAlone() {
        up(cluster().options().build(), KEY);
        String other = up(cluster().options().build(), EnvironmentKey.of("org/repo/PR-8")).environment().id();
        down(cluster().options().build(), KEY, true);
        assertThat(cluster().managedObjectNames()).hasSize(7).allMatch(n -> n.contains(other));
    }

    @Test
    void downWithWaitTimesOutNamingWhatIsStillThere() {
        String id = up(cluster().options().build(), KEY).environment().id();
        cluster().fixtureClient().configMaps().withName(id + "-dc")
            .edit(c -> new ConfigMapBuilder(c).editMetadata().addToFinalizers("example.com/hold").endMetadata().build());
        Options options = cluster().options().deleteTimeout(Duration.ofSeconds(1)).build();
        long started = System.nanoTime();
        assertThatThrownBy(() -> down(options, KEY, true))
            .isInstanceOf(EnvironmentFailedException.class)
            .hasMessageContaining("after 1s these still exist")
            .hasMessageContaining("ConfigMap " + id + "-dc (finalizers: example.com/hold)");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        cluster().fixtureClient().configMaps().withName(id + "-dc")
            .edit(c -> new ConfigMapBuilder(c).editMetadata().withFinalizers().endMetadata().build());
    }
}
