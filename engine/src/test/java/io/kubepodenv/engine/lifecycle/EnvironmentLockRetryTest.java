package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.RecordingListener;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Taking the lock outlasts a busy API server, but not a refusal. */
class EnvironmentLockRetryTest {
    private static final EnvironmentKey KEY = EnvironmentKey.of("shop/PR-3");

    @Test
    void aServerErrorWhileTakingTheLockIsRetriedWithinTheTimeout() {
        try (MockCluster cluster = new MockCluster();
            EnvironmentLock lock = new EnvironmentLock(cluster.client(), MockCluster.NAMESPACE, "build 1",
                Duration.ofSeconds(30), Clock.systemUTC())) {
            AtomicInteger failures = new AtomicInteger();
            cluster.api().failWhen(call -> call.method().equals("POST") && call.resourcePath().contains("/leases")
                && failures.incrementAndGet() <= 2, 503);
            RecordingListener listener = new RecordingListener();
            try (EnvironmentLock.Held held = lock.acquire(KEY, Duration.ofSeconds(10), listener)) {
                assertThat(failures.get()).isGreaterThanOrEqualTo(3);
                assertThat(listener.lines()).anyMatch(l -> l.contains("could not take the lock") && l.contains("503"));
            }
        }
    }

    @Test
    void aRefusalIsNotRetried() {
        try (MockCluster cluster = new MockCluster();
            EnvironmentLock lock = new EnvironmentLock(cluster.client(), MockCluster.NAMESPACE, "build 1",
                Duration.ofSeconds(30), Clock.systemUTC())) {
            cluster.api().failWhen(call -> call.resourcePath().contains("/leases"), 403);
            long started = System.nanoTime();
            assertThatThrownBy(() -> lock.acquire(KEY, Duration.ofSeconds(30), new RecordingListener()))
                .isInstanceOf(EnvironmentFailedException.class).hasMessageContaining("forbidden (HTTP 403)");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        }
    }
}
