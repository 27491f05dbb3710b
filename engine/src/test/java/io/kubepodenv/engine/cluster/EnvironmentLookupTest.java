package io.kubepodenv.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.MockClusterExtension;
import io.kubepodenv.engine.testing.PodBehaviour;
import io.kubepodenv.engine.testing.RecordingListener;
import java.util.List;
import java.util.Map;
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

    private static io.fabric8.kubernetes.api.model.ObjectMeta meta(String name, String id, String component,
        Map<String, String> extraAnnotations) {
        Map<String, String> annotations = new java.util.HashMap<>(Map.of(ObjectLabels.KEY_ANNOTATION, SLASH.value(),
            ObjectLabels.CREATED_AT, "2026-01-01T00:00:00Z", ObjectLabels.DOCKER_HOST, id));
        annotations.putAll(extraAnnotations);
        return new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace("ns")
            .withLabels(Map.of(ObjectLabels.INSTANCE, id, ObjectLabels.COMPONENT, component))
            .withAnnotations(annotations).build();
    }

    private static ConfigMap record(String id, boolean complete) {
        return new ConfigMapBuilder().withMetadata(meta(EnvironmentRecord.name(id), id, ObjectLabels.RECORD_COMPONENT,
            complete ? Map.of(ObjectLabels.COMPLETE, "true") : Map.of())).build();
    }

    private static StatefulSet host(String id) {
        return new StatefulSetBuilder().withMetadata(meta(id, id, ObjectLabels.DOCKER_HOST_COMPONENT, Map.of()))
            .build();
    }

    @Test
    void aRecordWithoutItsStatefulSetIsAnIncompleteEnvironment() {
        assertThat(EnvironmentLookup.merge(List.of(record("a", false)), List.of())).singleElement()
            .satisfies(e -> {
                assertThat(e.complete()).isFalse();
                assertThat(e.ready()).isFalse();
                assertThat(e.dockerHost()).isEqualTo("a");
            });
    }

    @Test
    void aRecordWithItsStatefulSetButNoCompletionMarkIsIncomplete() {
        assertThat(EnvironmentLookup.merge(List.of(record("a", false)), List.of(host("a")))).singleElement()
            .satisfies(e -> assertThat(e.complete()).isFalse());
    }

    @Test
    void aMarkedRecordWithItsStatefulSetIsOneCompleteEnvironment() {
        assertThat(EnvironmentLookup.merge(List.of(record("a", true)), List.of(host("a")))).singleElement()
            .satisfies(e -> assertThat(e.complete()).isTrue());
    }

    @Test
    void aStatefulSetWithoutARecordIsAnEnvironmentMadeBeforeRecordsAndComplete() {
        assertThat(EnvironmentLookup.merge(List.of(record("a", true)), List.of(host("a"), host("old"))))
            .extracting(Environment::id, Environment::complete)
            .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("a", true),
                org.assertj.core.groups.Tuple.tuple("old", true));
    }
}
