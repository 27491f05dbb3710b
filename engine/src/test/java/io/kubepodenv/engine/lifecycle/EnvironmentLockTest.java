package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class EnvironmentLockTest {
    private static final EnvironmentKey KEY = EnvironmentKey.of("shop/PR-12");
    KubernetesClient client;

    private EnvironmentLock lock(String holder, Duration leaseDuration) {
        return new EnvironmentLock(client, "ns", holder, leaseDuration, Clock.systemUTC());
    }

    private Lease lease() {
        return client.leases().inNamespace("ns").withName(EnvironmentLock.leaseName(KEY)).get();
    }

    @Test
    void holdingTheLockKeepsALeaseThatNamesTheHolderAndReleasingDeletesIt() {
        try (EnvironmentLock lock = lock("build 1", Duration.ofSeconds(30))) {
            try (EnvironmentLock.Held held = lock.acquire(KEY, Duration.ofSeconds(5), m -> { })) {
                assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("build 1");
                assertThat(lease().getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/managed-by", "kube-pod-env")
                    .containsEntry("kube-pod-env.io/key-hash", KEY.hash());
            }
            assertThat(lease()).isNull();
        }
    }

    @Test
    void aSecondHolderWaitsUntilTheFirstReleasesAndSaysForWhom() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        try (EnvironmentLock first = lock("build 1", Duration.ofSeconds(30));
            EnvironmentLock second = lock("build 2", Duration.ofSeconds(30))) {
            EnvironmentLock.Held held = first.acquire(KEY, Duration.ofSeconds(5), m -> { });
            CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> {
                try (EnvironmentLock.Held mine = second.acquire(KEY, Duration.ofSeconds(20), progress::add)) {
                    return lease().getSpec().getHolderIdentity();
                }
            });
            Thread.sleep(500); // give the waiter time to find the lock held: this test is about waiting
            assertThat(waiter).isNotDone();
            held.close();
            assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("build 2");
            assertThat(progress).anyMatch(line -> line.contains("waiting for build 1"));
        }
    }

    @Test
    void givingUpNamesTheHolder() {
        try (EnvironmentLock first = lock("build 1", Duration.ofSeconds(30));
            EnvironmentLock second = lock("build 2", Duration.ofSeconds(30));
            EnvironmentLock.Held held = first.acquire(KEY, Duration.ofSeconds(5), m -> { })) {
            assertThatThrownBy(() -> second.acquire(KEY, Duration.ofMillis(300), m -> { }))
                .isInstanceOf(EnvironmentFailedException.class)
                .hasMessageContaining("locked by build 1")
                .hasMessageContaining("shop/PR-12");
        }
    }

    @Test
    void anExpiredLockOfADeadHolderIsTakenOver() {
        ZonedDateTime longAgo = ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(10);
        client.leases().inNamespace("ns").resource(new LeaseBuilder()
            .withNewMetadata().withName(EnvironmentLock.leaseName(KEY)).endMetadata()
            .withNewSpec().withHolderIdentity("crashed build").withLeaseDurationSeconds(30)
            .withAcquireTime(longAgo).withRenewTime(longAgo).endSpec().build()).create();
        List<String> progress = new CopyOnWriteArrayList<>();
        try (EnvironmentLock lock = lock("build 2", Duration.ofSeconds(30));
            EnvironmentLock.Held held = lock.acquire(KEY, Duration.ofSeconds(5), new io.kubepodenv.engine
                .ProgressListener() {
                @Override
                public void progress(String message) {
                    progress.add(message);
                }
            })) {
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("build 2");
            assertThat(progress).anyMatch(line -> line.contains("took over the expired lock")
                && line.contains("crashed build"));
        }
    }

    @Test
    void theHolderRenewsItsLease() throws Exception {
        try (EnvironmentLock lock = lock("build 1", Duration.ofSeconds(3));
            EnvironmentLock.Held held = lock.acquire(KEY, Duration.ofSeconds(5), m -> { })) {
            ZonedDateTime first = lease().getSpec().getRenewTime();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!lease().getSpec().getRenewTime().isAfter(first) && System.nanoTime() < deadline) {
                Thread.sleep(100); // polling the mock is the test's way of observing a renewal
            }
            assertThat(lease().getSpec().getRenewTime()).isAfter(first);
        }
    }
}
