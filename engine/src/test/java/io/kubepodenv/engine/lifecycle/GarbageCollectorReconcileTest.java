package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.cluster.EnvironmentLookup;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.MockClusterExtension;
import io.kubepodenv.engine.testing.RecordingListener;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One reconciliation against the mock cluster: one listing, the policy asked after it, one list call per kind. */
class GarbageCollectorReconcileTest {
    private static final String US = "jenkins-0123456789ab";
    private static final EnvironmentKey CLOSED = EnvironmentKey.of("change:team/app:s:12");
    private static final EnvironmentKey CLOSED_BUT_BUILDING = EnvironmentKey.of("change:team/app:s:13");
    private static final EnvironmentKey OPEN = EnvironmentKey.of("change:team/app:s:14");
    private static final EnvironmentKey FOREIGN = EnvironmentKey.of("change:team/app:s:15");

    @RegisterExtension
    final MockClusterExtension mock = new MockClusterExtension();

    private final RecordingListener listener = new RecordingListener();

    private String up(String owner, EnvironmentKey key) {
        // Generous: several environments are created per test, on a machine that may be busy.
        Options options = mock.cluster().options().owner(owner).readyTimeout(Duration.ofSeconds(30)).build();
        try (KubePodEnv engine = new KubePodEnv(mock.cluster().client(), options, DockerServerCheck.POD_READY_ONLY)) {
            return engine.up(key, listener).environment().id();
        }
    }

    @Test
    void deletesTheOrphansKeepsTheLiveDefersTheBusyAndLeavesOtherOwnersAlone() {
        String closed = up(US, CLOSED);
        String building = up(US, CLOSED_BUT_BUILDING);
        String open = up(US, OPEN);
        String foreign = up("jenkins-ffffffffffff", FOREIGN);
        int before = mock.cluster().engineRequests().size();
        AtomicInteger listingsWhenAsked = new AtomicInteger(-1);

        GarbageCollector gc = new GarbageCollector(mock.cluster().client(), MockCluster.NAMESPACE, Clock.systemUTC());
        GarbageCollector.Reconciliation result = gc.reconcile(() -> {
            listingsWhenAsked.set(statefulSetLists(before));
            return new ReconcilePolicy(US, Set.of(OPEN), CLOSED_BUT_BUILDING::equals, ReconcilePolicy.everything(),
                Optional.empty());
        }, false, true, Duration.ofSeconds(5), listener);

        assertThat(listingsWhenAsked.get()).as("the policy is computed after the environments are listed").isEqualTo(1);
        assertThat(result.examined()).isEqualTo(4);
        assertThat(result.with(ReconcilePolicy.Action.DELETE)).extracting(d -> d.environment().id())
            .containsExactly(closed);
        assertThat(result.with(ReconcilePolicy.Action.DEFER)).extracting(d -> d.environment().id())
            .containsExactly(building);
        assertThat(result.with(ReconcilePolicy.Action.KEEP)).extracting(d -> d.environment().id())
            .containsExactly(open);
        List<String> left = mock.cluster().managedObjectNames();
        assertThat(left).noneMatch(n -> n.contains(closed));
        assertThat(left).anyMatch(n -> n.contains(building)).anyMatch(n -> n.contains(open))
            .anyMatch(n -> n.contains(foreign));
        assertThat(listener.text()).contains("deferring " + building).contains("still running");
    }

    @Test
    void listsOncePerKindWhateverTheNumberOfEnvironments() {
        for (int i = 0; i < 4; i++) {
            up(US, EnvironmentKey.of("job:plain-" + i));
        }
        int before = mock.cluster().engineRequests().size();
        new GarbageCollector(mock.cluster().client(), MockCluster.NAMESPACE, Clock.systemUTC()).reconcile(
            () -> new ReconcilePolicy(US, Set.of(), k -> false, ReconcilePolicy.everything(), Optional.empty()),
            false, false, Duration.ofSeconds(5), listener);
        List<String> lists = mock.cluster().engineRequests().subList(before, mock.cluster().engineRequests().size())
            .stream().filter(c -> c.method().equals("GET") && !c.isWatch())
            .filter(c -> c.queryParameter("labelSelector") != null)
            .map(c -> c.resourcePath()).toList();
        // The listing of environments (records, StatefulSets), then one list per kind (the StatefulSet kind included)
        // for all four, then the locks.
        assertThat(lists).hasSize(2 + 5 + 1);
        assertThat(lists.subList(2, lists.size())).doesNotHaveDuplicates();
        assertThat(mock.cluster().awaitNoManagedObjects(Duration.ofSeconds(3))).isEmpty();
    }

    @Test
    void aDryRunDeletesNothing() {
        String id = up(US, CLOSED);
        GarbageCollector.Reconciliation result = new GarbageCollector(mock.cluster().client(), MockCluster.NAMESPACE,
            Clock.systemUTC()).reconcile(() -> new ReconcilePolicy(US, Set.of(), k -> false,
                ReconcilePolicy.everything(), Optional.empty()), true, false, Duration.ofSeconds(5), listener);
        assertThat(result.with(ReconcilePolicy.Action.DELETE)).hasSize(1);
        assertThat(mock.cluster().managedObjectNames()).anyMatch(n -> n.contains(id));
        assertThat(listener.text()).contains("would delete " + id);
    }

    /** What a process killed during up leaves: {@code up} stops dead after the progress line {@code lastLine}. */
    private void upKilledAfter(String owner, EnvironmentKey key, String lastLine) {
        Options options = mock.cluster().options().owner(owner).readyTimeout(Duration.ofSeconds(30)).build();
        try (KubePodEnv engine = new KubePodEnv(mock.cluster().client(), options, DockerServerCheck.POD_READY_ONLY)) {
            assertThatThrownBy(() -> engine.up(key, message -> {
                listener.progress(message);
                if (message.startsWith(lastLine)) {
                    throw new Killed();
                }
            })).isInstanceOf(Killed.class);
        }
    }

    /** Not an exception: nothing in the engine catches it, so no rollback runs, as after a kill. */
    private static final class Killed extends Error {
    }

    @Test
    void anEnvironmentWhoseUpWasKilledBeforeItsStatefulSetIsListedIncompleteAndReconciledAway() {
        upKilledAfter(US, CLOSED, "applied NetworkPolicy");
        List<Environment> listed = new EnvironmentLookup(mock.cluster().client(), MockCluster.NAMESPACE).listAll();
        assertThat(listed).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo(CLOSED);
            assertThat(e.complete()).isFalse();
            assertThat(e.ready()).isFalse();
        });
        assertThat(mock.cluster().managedObjectNames()).isNotEmpty().noneMatch(n -> n.startsWith("StatefulSet/"));

        GarbageCollector.Reconciliation result = new GarbageCollector(mock.cluster().client(), MockCluster.NAMESPACE,
            Clock.systemUTC()).reconcile(() -> new ReconcilePolicy(US, Set.of(), k -> false,
                ReconcilePolicy.everything(), Optional.empty()), false, true, Duration.ofSeconds(5), listener);

        assertThat(result.with(ReconcilePolicy.Action.DELETE)).hasSize(1);
        assertThat(mock.cluster().awaitNoManagedObjects(Duration.ofSeconds(3))).isEmpty();
    }

    @Test
    void anIncompleteEnvironmentWhoseLockIsHeldIsLeftToTheUpCreatingItUntilTheLockExpires() {
        upKilledAfter(US, CLOSED, "applied ServiceAccount");
        io.fabric8.kubernetes.client.KubernetesClient client = mock.cluster().client();
        java.time.ZonedDateTime now = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
        String name = EnvironmentLock.leaseName(CLOSED);
        client.leases().inNamespace(MockCluster.NAMESPACE).resource(lock(name, CLOSED.value(), now)).create();
        CollectionPolicy noKeyAlive = new CollectionPolicy(Optional.empty(), Optional.of(Set.of()), Optional.empty());
        GarbageCollector gc = new GarbageCollector(client, MockCluster.NAMESPACE, Clock.systemUTC());

        assertThat(gc.sweep(noKeyAlive, false, false, Duration.ofSeconds(5), listener).collected()).isEmpty();
        assertThat(listener.text()).contains("it is incomplete and kpe on a dead machine holds its lock");
        assertThat(mock.cluster().managedObjectNames()).isNotEmpty();

        client.leases().inNamespace(MockCluster.NAMESPACE).withName(name).delete();
        client.leases().inNamespace(MockCluster.NAMESPACE).resource(lock(name, CLOSED.value(), now.minusMinutes(5)))
            .create();
        assertThat(gc.sweep(noKeyAlive, false, true, Duration.ofSeconds(5), listener).collected()).hasSize(1);
        assertThat(mock.cluster().awaitNoManagedObjects(Duration.ofSeconds(3))).isEmpty();
        assertThat(client.leases().inNamespace(MockCluster.NAMESPACE).list().getItems()).isEmpty();
    }

    @Test
    void aSweepDeletesExpiredLocksAndKeepsHeldOnes() {
        io.fabric8.kubernetes.client.KubernetesClient client = mock.cluster().client();
        java.time.ZonedDateTime now = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
        client.leases().inNamespace(MockCluster.NAMESPACE).resource(lock("kube-pod-env-lock-expired", "job:x",
            now.minusMinutes(5))).create();
        client.leases().inNamespace(MockCluster.NAMESPACE).resource(lock("kube-pod-env-lock-held", "job:y", now))
            .create();

        new GarbageCollector(client, MockCluster.NAMESPACE, Clock.systemUTC()).sweep(new CollectionPolicy(
            Optional.empty(), Optional.of(Set.of()), Optional.empty()), false, false, Duration.ofSeconds(5), listener);

        assertThat(client.leases().inNamespace(MockCluster.NAMESPACE).list().getItems())
            .extracting(l -> l.getMetadata().getName()).containsExactly("kube-pod-env-lock-held");
        assertThat(listener.text()).contains("deleted the expired lock of 'job:x' (Lease kube-pod-env-lock-expired, "
            + "last held by kpe on a dead machine");
    }

    private static io.fabric8.kubernetes.api.model.coordination.v1.Lease lock(String name, String key,
        java.time.ZonedDateTime renewed) {
        return new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata().withName(name)
            .addToLabels(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE).addToLabels("kube-pod-env.io/lock", "true")
            .addToAnnotations(ObjectLabels.KEY_ANNOTATION, key).endMetadata()
            .withNewSpec().withHolderIdentity("kpe on a dead machine").withLeaseDurationSeconds(30)
            .withRenewTime(renewed).withAcquireTime(renewed).endSpec().build();
    }

    private int statefulSetLists(int from) {
        List<io.kubepodenv.engine.testing.ApplyPatchShimDispatcher.Call> calls = mock.cluster().engineRequests();
        return (int) calls.subList(from, calls.size()).stream()
            .filter(c -> c.method().equals("GET") && !c.isWatch() && c.resourcePath().endsWith("/statefulsets"))
            .count();
    }
}
