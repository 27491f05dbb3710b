package io.kubepodenv.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.MockClusterExtension;
import io.kubepodenv.engine.testing.PodBehaviour;
import io.kubepodenv.engine.testing.RecordingListener;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EnvironmentLookupTest {
    private static final EnvironmentKey SLASH = EnvironmentKey.of("team/app/PR-1");
    private static final EnvironmentKey COLON = EnvironmentKey.of("team:app:PR-1");

    @RegisterExtension
    final MockClusterExtension mock = new MockClusterExtension();

    private final RecordingListener listener = new RecordingListener();

    private MockCluster cluster() {
        return mock.cluster();
    }

    private KubePodEnv engine() {
        return new KubePodEnv(cluster().client(), cluster().options().build(), DockerServerCheck.POD_READY_ONLY);
    }

    @Test
    void keysWhoseSanitisedLabelsCollideAreToldApart() {
        assertThat(SLASH.labelValue()).isEqualTo(COLON.labelValue());
        try (KubePodEnv engine = engine()) {
            ReadyEnvironment slash = engine.up(SLASH, listener);
            ReadyEnvironment colon = engine.up(COLON, listener);
            assertThat(colon.reused()).as("the second key must not reuse the first key's environment").isFalse();
            assertThat(engine.find(SLASH)).map(Environment::id).contains(slash.environment().id());
            assertThat(engine.find(COLON)).map(Environment::id).contains(colon.environment().id());
            engine.down(SLASH, true, listener);
            assertThat(engine.find(SLASH)).isEmpty();
            assertThat(engine.find(COLON)).map(Environment::id).contains(colon.environment().id());
        }
    }

    @Test
    void findOfAnUnknownKeyIsEmpty() {
        try (KubePodEnv engine = engine()) {
            assertThat(engine.find(SLASH)).isEmpty();
        }
    }

    @Test
    void listReturnsEveryEnvironmentWithKeyIdAndReadiness() {
        try (KubePodEnv engine = engine()) {
            String ready = engine.up(SLASH, listener).environment().id();
            cluster().controller().behaviour(PodBehaviour.neverReady());
            try (KubePodEnv keeping = new KubePodEnv(cluster().client(),
                cluster().options().keepOnFailure(true).build(), DockerServerCheck.POD_READY_ONLY)) {
                keeping.up(COLON, listener);
            } catch (RuntimeException expected) {
                // never ready: kept for inspection, listed as not ready
            }
            List<Environment> all = engine.list();
            assertThat(all).extracting(Environment::key).containsExactlyInAnyOrder(SLASH, COLON);
            Environment slash = all.stream().filter(e -> e.key().equals(SLASH)).findFirst().orElseThrow();
            Environment colon = all.stream().filter(e -> e.key().equals(COLON)).findFirst().orElseThrow();
            assertThat(slash.id()).isEqualTo(ready);
            assertThat(slash.ready()).isTrue();
            assertThat(colon.ready()).isFalse();
            assertThat(colon.id()).isNotEqualTo(ready);
            assertThat(slash.namespace()).isEqualTo(MockCluster.NAMESPACE);
            assertThat(slash.dockerHost()).isEqualTo(ready);
            assertThat(slash.createdAt()).isPresent();
            assertThat(slash.kinds()).contains("apps/v1/StatefulSet", "v1/PersistentVolumeClaim");
            assertThat(slash.owner()).isEqualTo("kpe");
        }
    }

    @Test
    void listIsNewestFirst() {
        try (KubePodEnv engine = engine()) {
            engine.up(SLASH, listener);
            engine.up(COLON, listener);
            assertThat(engine.list()).extracting(Environment::key).containsExactly(COLON, SLASH);
        }
    }
}
