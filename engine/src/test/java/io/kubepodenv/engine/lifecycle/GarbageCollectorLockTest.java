package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.naming.InstanceIds;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.MockClusterExtension;
import io.kubepodenv.engine.testing.RecordingListener;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Garbage collection of environments whose key is alive (condemned for idleness): each is deleted under its key's
 * lock, and only if no build used it since it was listed.
 */
class GarbageCollectorLockTest {
    private static final String US = "jenkins-0123456789ab";
    private static final EnvironmentKey OPEN = EnvironmentKey.of("change:team/app:s:21");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @RegisterExtension
    final MockClusterExtension mock = new MockClusterExtension();

    private final RecordingListener listener = new RecordingListener();

    /** The key stays alive: only the idle time (a day, recorded by the build) can condemn its environment. */
    private final CollectionPolicy alive = new CollectionPolicy(Optional.empty(), Optional.of(Set.of(OPEN)),
        Optional.empty());

    /** An {@code up} of {@link #OPEN} at the time of {@code clock}, recording a max idle of one day. */
    private String up(Clock clock) {
        Options options = mock.cluster().options().owner(US).maxIdle("1d").readyTimeout(Duration.ofSeconds(30))
            .build();
        try (KubePodEnv engine = new KubePodEnv(mock.cluster().client(), options, clock, new InstanceIds(),
            DockerServerCheck.POD_READY_ONLY)) {
            return engine.up(OPEN, listener).environment().id();
        }
    }

    private static Clock twoDaysAgo() {
        return Clock.offset(Clock.systemUTC(), Duration.ofDays(-2));
    }

    private GarbageCollector collector() {
        return new GarbageCollector(mock.cluster().client(), MockCluster.NAMESPACE, Clock.systemUTC());
    }

    private ReconcilePolicy reconcileAlive() {
        return new ReconcilePolicy(US, Set.of(OPEN), key -> false, ReconcilePolicy.everything(), Optional.empty());
    }

    @Test
    void anEnvironmentIdleBeyondItsMaxIdleIsDeletedUnderItsKeysLock() {
        String id = up(twoDaysAgo());
        int before = mock.cluster().engineRequests().size();

        GarbageCollector.Sweep sweep = collector().sweep(alive, false, true, TIMEOUT, listener);

        assertThat(sweep.collected()).singleElement()
            .satisfies(v -> assertThat(v.reason()).contains("max idle"));
        assertThat(sweep.spared()).isEmpty();
        assertThat(mock.cluster().awaitNoManagedObjects(TIMEOUT)).isEmpty();
        assertThat(mock.cluster().engineRequests().subList(before, mock.cluster().engineRequests().size()))
            .as("the key's lock was taken").anyMatch(c -> c.method().equals("POST")
                && c.resourcePath().endsWith("/leases"));
        assertThat(listener.text()).contains("deleting " + id);
    }

    @Test
    void anEnvironmentUsedAfterTheListingIsKept() {
        String id = up(twoDaysAgo());

        // The policy is asked after the listing: a build's up of the key runs in between and records a use.
        GarbageCollector.Reconciliation result = collector().reconcile(() -> {
            assertThat(up(Clock.systemUTC())).as("the build reused the environment").isEqualTo(id);
            return reconcileAlive();
        }, false, true, TIMEOUT, listener);

        assertThat(result.with(ReconcilePolicy.Action.DELETE)).as("condemned from the listing")
            .extracting(d -> d.environment().id()).containsExactly(id);
        assertThat(result.spared()).singleElement()
            .satisfies(s -> assertThat(s.reason()).startsWith("used since it was found condemned"));
        assertThat(result.deleted()).isEmpty();
        assertThat(mock.cluster().managedObjectNames()).anyMatch(n -> n.startsWith("StatefulSet/")
            && n.contains(id));
        assertThat(listener.text()).contains("leaving " + id + " ('" + OPEN + "') alone: used since");
    }

    @Test
    void anEnvironmentWhoseLockARunningUpHoldsIsSkippedAndReported() {
        String id = up(twoDaysAgo());
        GarbageCollector.Sweep skipped;
        try (EnvironmentLock build = new EnvironmentLock(mock.cluster().client(), MockCluster.NAMESPACE,
            "jenkins job/PR-21 #4", EnvironmentLock.DEFAULT_LEASE_DURATION, Clock.systemUTC());
            EnvironmentLock.Held held = build.acquire(OPEN, TIMEOUT, listener)) {

            skipped = collector().sweep(alive, false, true, TIMEOUT, listener);

            assertThat(mock.cluster().managedObjectNames()).anyMatch(n -> n.startsWith("StatefulSet/")
                && n.contains(id));
        }
        assertThat(skipped.collected()).isEmpty();
        assertThat(skipped.spared()).singleElement()
            .satisfies(s -> assertThat(s.reason()).contains("held by jenkins job/PR-21 #4"));
        assertThat(listener.text()).contains("leaving " + id + " ('" + OPEN + "') alone this time");

        // Once the build's lock is released, the next collection deletes it.
        assertThat(collector().sweep(alive, false, true, TIMEOUT, listener).collected()).hasSize(1);
        assertThat(mock.cluster().awaitNoManagedObjects(TIMEOUT)).isEmpty();
    }
}
