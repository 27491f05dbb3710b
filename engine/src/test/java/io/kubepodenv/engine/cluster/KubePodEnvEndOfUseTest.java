package io.kubepodenv.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.lifecycle.EnvironmentLock;
import io.kubepodenv.engine.naming.InstanceIds;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.MockClusterExtension;
import io.kubepodenv.engine.testing.RecordingListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The end of a block records the environment's last use, so that idle time counts from the end of the last build. */
class KubePodEnvEndOfUseTest {
    private static final EnvironmentKey KEY = EnvironmentKey.of("change:team/app:s:31");

    @RegisterExtension
    final MockClusterExtension mock = new MockClusterExtension();

    private final RecordingListener listener = new RecordingListener();

    private KubePodEnv engine(Clock clock) {
        Options options = mock.cluster().options().sleepAfter("2h").readyTimeout(Duration.ofSeconds(30)).build();
        return new KubePodEnv(mock.cluster().client(), options, clock, new InstanceIds(),
            DockerServerCheck.POD_READY_ONLY);
    }

    private Instant lastUse() {
        try (KubePodEnv engine = engine(Clock.systemUTC())) {
            return engine.find(KEY).orElseThrow().activity().lastUsed().orElseThrow();
        }
    }

    @Test
    void theEndOfABlockMovesTheLastUseToNowAndKeepsTheIdleLimits() {
        Clock threeHoursAgo = Clock.offset(Clock.systemUTC(), Duration.ofHours(-3));
        try (KubePodEnv startedLongAgo = engine(threeHoursAgo)) {
            startedLongAgo.up(KEY, listener);
        }
        Instant atUp = lastUse();

        try (KubePodEnv engine = engine(Clock.systemUTC())) {
            assertThat(engine.recordEndOfUse(KEY, listener)).isTrue();
            assertThat(lastUse()).isAfter(atUp.plus(Duration.ofHours(2)));
            assertThat(engine.find(KEY).orElseThrow().activity().limits().sleepAfter()).contains(Duration.ofHours(2));
        }
    }

    @Test
    void anEnvironmentThatIsGoneIsLeftAlone() {
        try (KubePodEnv engine = engine(Clock.systemUTC())) {
            assertThat(engine.recordEndOfUse(KEY, listener)).isFalse();
        }
    }

    @Test
    void whileAnotherOperationHoldsTheLockTheRecordingIsLeftToIt() {
        try (KubePodEnv engine = engine(Clock.systemUTC())) {
            engine.up(KEY, listener);
        }
        Instant before = lastUse();
        try (EnvironmentLock other = new EnvironmentLock(mock.cluster().client(), MockCluster.NAMESPACE,
                "another build", EnvironmentLock.DEFAULT_LEASE_DURATION, Clock.systemUTC());
            EnvironmentLock.Held held = other.acquire(KEY, Duration.ofSeconds(5), listener);
            KubePodEnv engine = engine(Clock.systemUTC())) {
            assertThat(engine.recordEndOfUse(KEY, listener)).isFalse();
        }
        assertThat(lastUse()).isEqualTo(before);
        assertThat(listener.text()).contains("not recorded: another build is using it");
    }
}
