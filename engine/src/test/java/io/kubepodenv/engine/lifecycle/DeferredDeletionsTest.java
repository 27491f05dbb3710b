package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubepodenv.engine.EnvironmentKey;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeferredDeletionsTest {
    private static final EnvironmentKey PR = EnvironmentKey.of("change:p:s:1");
    private static final EnvironmentKey OTHER = EnvironmentKey.of("change:p:s:2");

    private final Set<EnvironmentKey> running = ConcurrentHashMap.newKeySet();
    private final DeferredDeletions<String> deferred = new DeferredDeletions<>();

    @Test
    void anIdleKeyIsNotDeferredTheCallerDeletesNow() {
        assertThat(deferred.deferIfBusy(PR, "ns", "closed", running::contains)).isFalse();
        assertThat(deferred.isEmpty()).isTrue();
    }

    @Test
    void aBusyKeyWaitsUntilItsLastBuildEnds() {
        running.add(PR);
        running.add(OTHER);
        assertThat(deferred.deferIfBusy(PR, "ns", "closed", running::contains)).isTrue();
        assertThat(deferred.takeIdle(running::contains)).isEmpty();
        running.remove(OTHER);
        assertThat(deferred.takeIdle(running::contains)).isEmpty();
        running.remove(PR);
        List<DeferredDeletions.Pending<String>> ready = deferred.takeIdle(running::contains);
        assertThat(ready).extracting(DeferredDeletions.Pending::key).containsExactly(PR);
        assertThat(ready.get(0).target()).isEqualTo("ns");
        assertThat(ready.get(0).reason()).isEqualTo("closed");
        assertThat(deferred.takeIdle(running::contains)).as("taken once").isEmpty();
    }

    @Test
    void aRevivedKeyCanBeCancelled() {
        running.add(PR);
        deferred.deferIfBusy(PR, "ns", "closed", running::contains);
        assertThat(deferred.cancel(PR)).isTrue();
        running.clear();
        assertThat(deferred.takeIdle(running::contains)).isEmpty();
    }

    @Test
    void aLaterOfferReplacesTheEarlierOne() {
        running.add(PR);
        deferred.deferIfBusy(PR, "ns-a", "first", running::contains);
        deferred.deferIfBusy(PR, "ns-b", "second", running::contains);
        running.clear();
        assertThat(deferred.takeIdle(running::contains)).singleElement()
            .satisfies(p -> assertThat(p.reason()).isEqualTo("second"));
    }

    /**
     * A build ending while deletions are offered: every offered deletion runs exactly once (now, or when taken), and
     * never while the build is still marked running.
     */
    @Test
    void noDeletionIsLostOrRunTwiceWhenABuildEndsConcurrently() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 500; round++) {
                running.add(PR);
                AtomicInteger deletions = new AtomicInteger();
                AtomicInteger underBuild = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                var offer = pool.submit(() -> {
                    go.await();
                    if (!deferred.deferIfBusy(PR, "ns", "closed", running::contains)) {
                        if (running.contains(PR)) {
                            underBuild.incrementAndGet();
                        }
                        deletions.incrementAndGet();
                    }
                    return null;
                });
                var end = pool.submit(() -> {
                    go.await();
                    running.remove(PR); // the build ends, then its end is reported
                    deletions.addAndGet(deferred.takeIdle(running::contains).size());
                    return null;
                });
                go.countDown();
                offer.get(5, TimeUnit.SECONDS);
                end.get(5, TimeUnit.SECONDS);
                // Whatever is left is taken by the next build end (none here): count it.
                deletions.addAndGet(deferred.takeIdle(running::contains).size());
                assertThat(deletions.get()).as("round " + round).isEqualTo(1);
                assertThat(underBuild.get()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
