package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Tunnels held by named daemon threads, closed by id from another call. */
class DetachedTunnelsTest {
    private static final Duration LONG = Duration.ofHours(1);
    private final String id = UUID.randomUUID().toString();

    @Test
    void aHeldTunnelIsOpenUntilClosedById() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        DetachedTunnels.hold(id, closed::countDown, LONG);

        assertThat(DetachedTunnels.isOpen(id)).isTrue();
        assertThat(DetachedTunnels.close(id, Duration.ofSeconds(10))).isTrue();
        assertThat(closed.getCount()).isZero();
        assertThat(DetachedTunnels.isOpen(id)).isFalse();
    }

    @Test
    void closingAnUnknownTunnelIsNotAnError() throws Exception {
        assertThat(DetachedTunnels.close(id, Duration.ofSeconds(1))).isFalse();
    }

    @Test
    void aTunnelClosesItselfAfterItsMaximumLifetime() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        DetachedTunnels.hold(id, closed::countDown, Duration.ofMillis(50));

        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aSecondTunnelWithTheSameIdIsRefused() throws Exception {
        DetachedTunnels.hold(id, () -> { }, LONG);
        try {
            assertThatThrownBy(() -> DetachedTunnels.hold(id, () -> { }, LONG))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(id);
        } finally {
            DetachedTunnels.close(id, Duration.ofSeconds(10));
        }
    }

    @Test
    void aTunnelThatDoesNotCloseInTimeIsReported() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        DetachedTunnels.hold(id, () -> release.await(30, TimeUnit.SECONDS), LONG);
        try {
            assertThatThrownBy(() -> DetachedTunnels.close(id, Duration.ofMillis(100)))
                .isInstanceOf(TimeoutException.class).hasMessageContaining("did not close");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aTunnelThatFailsToCloseIsStillForgotten() throws Exception {
        DetachedTunnels.hold(id, () -> {
            throw new IllegalStateException("the channel is closed");
        }, LONG);

        assertThat(DetachedTunnels.close(id, Duration.ofSeconds(10))).isTrue();
        assertThat(DetachedTunnels.isOpen(id)).isFalse();
    }
}
