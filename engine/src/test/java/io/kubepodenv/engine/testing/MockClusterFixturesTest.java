package io.kubepodenv.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fixtures themselves: a test built on a fixture that lies proves nothing. */
class MockClusterFixturesTest {
    private static final Map<String, String> LABELS = Map.of("app", "x", "app.kubernetes.io/managed-by",
        "kube-pod-env");

    private static StatefulSet statefulSet(String name, String whenDeleted) {
        return new StatefulSetBuilder()
            .withNewMetadata().withName(name).endMetadata()
            .withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(LABELS).endSelector()
            .withNewTemplate().withNewMetadata().withLabels(LABELS).endMetadata()
            .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate()
            .addNewVolumeClaimTemplate().withNewMetadata().withName("data").endMetadata().endVolumeClaimTemplate()
            .withNewPersistentVolumeClaimRetentionPolicy().withWhenDeleted(whenDeleted).endPersistentVolumeClaimRetentionPolicy()
            .endSpec().build();
    }

    private static void await(Duration timeout, java.util.function.BooleanSupplier condition)
        throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(condition.getAsBoolean()).as("condition within " + timeout).isTrue();
    }

    @Test
    void controllerCreatesAReadyPodAndABoundClaimAndSetsTheStatus() {
        try (MockCluster cluster = new MockCluster()) {
            var client = cluster.fixtureClient();
            client.apps().statefulSets().resource(statefulSet("s", "Delete")).create();
            StatefulSet ready = client.apps().statefulSets().withName("s")
                .waitUntilCondition(s -> s.getStatus() != null && Integer.valueOf(1).equals(s.getStatus()
                    .getReadyReplicas()), 5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(ready.getStatus().getReplicas()).isEqualTo(1);
            assertThat(ready.getStatus().getAvailableReplicas()).isEqualTo(1);
            assertThat(ready.getStatus().getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
            Pod pod = client.pods().withName("s-0").get();
            assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(LABELS);
            assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(r -> assertThat(r.getUid()).isEqualTo(ready.getMetadata().getUid()));
            assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
            assertThat(client.persistentVolumeClaims().withName("data-s-0").get().getStatus().getPhase())
                .isEqualTo("Bound");
            assertThat(client.persistentVolumeClaims().withName("data-s-0").get().getMetadata().getLabels())
                .containsAllEntriesOf(LABELS);
            assertThat(cluster.controller().errors()).isEmpty();
        }
    }

    @Test
    void deletingAStatefulSetDeletesItsPodsAndPerRetentionPolicyItsClaims() throws InterruptedException {
        try (MockCluster cluster = new MockCluster()) {
            var client = cluster.fixtureClient();
            client.apps().statefulSets().resource(statefulSet("del", "Delete")).create();
            client.apps().statefulSets().resource(statefulSet("ret", "Retain")).create();
            await(Duration.ofSeconds(5), () -> cluster.managedObjectNames().size() == 4);
            client.apps().statefulSets().withName("del").delete();
            client.apps().statefulSets().withName("ret").delete();
            await(Duration.ofSeconds(5), () -> cluster.allObjectNames().equals(
                java.util.List.of("PersistentVolumeClaim/data-ret-0")));
        }
    }

    @Test
    void applyShimCreatesThenReplacesAndRecordsTheRequest() {
        try (MockCluster cluster = new MockCluster()) {
            var cm = new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata().addToData("a", "1").build();
            cluster.client().resource(cm).fieldManager("m").serverSideApply();
            cm.getData().put("a", "2");
            cluster.client().resource(cm).fieldManager("m").forceConflicts().serverSideApply();
            assertThat(cluster.fixtureClient().configMaps().withName("c").get().getData()).containsEntry("a", "2");
            assertThat(cluster.api().applyRequests()).extracting(ApplyPatchShimDispatcher.ApplyRequest::force)
                .containsExactly(null, "true");
            assertThat(cluster.engineRequests()).hasSize(2).allMatch(ApplyPatchShimDispatcher.Call::isApply);
        }
    }

    @Test
    void injectedFailuresReachTheClientAndChangeNothing() {
        try (MockCluster cluster = new MockCluster()) {
            cluster.api().failWhen(c -> c.isWrite(), 500);
            var cm = new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata().build();
            try {
                cluster.client().resource(cm).create();
            } catch (KubernetesClientException e) {
                assertThat(e.getCode()).isEqualTo(500);
            }
            assertThat(cluster.allObjectNames()).isEmpty();
            assertThat(cluster.engineRequests()).hasSize(1);
        }
    }

    @Test
    void closingStopsTheControllerThread() throws InterruptedException {
        MockCluster cluster = new MockCluster();
        cluster.fixtureClient().apps().statefulSets().resource(statefulSet("s", "Delete")).create();
        await(Duration.ofSeconds(5), () -> cluster.managedObjectNames().size() == 2);
        cluster.close();
        await(Duration.ofSeconds(5), () -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().equals("fake-statefulset-controller") && t.isAlive()));
        assertThat(cluster.controller().errors()).isEmpty();
    }
}
