package io.kubepodenv.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kubepodenv.engine.config.BuildIdentity;
import io.kubepodenv.engine.config.ClusterTarget;
import io.kubepodenv.engine.config.ConnectionMode;
import io.kubepodenv.engine.config.ResolvedSettings;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.MockClusterExtension;
import io.kubepodenv.engine.testing.RecordingListener;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A CI block's environment against the mock cluster: provisioned, reached, and rolled back when the way in fails. */
class BlockEnvironmentTest {
    private static final BuildIdentity BUILD = BuildIdentity.ofJob("team/app", "");

    @RegisterExtension
    final MockClusterExtension mock = new MockClusterExtension();

    private final RecordingListener log = new RecordingListener();

    private ResolvedSettings settings(ConnectionMode mode) {
        return new ResolvedSettings(mock.cluster().options().readyTimeout(Duration.ofSeconds(30)).build(),
            ClusterTarget.inClusterTarget(), "global configuration", mode, Optional.empty());
    }

    private <T> T provision(boolean keep, BlockEnvironment.WayIn<T> wayIn) throws Exception {
        return BlockEnvironment.provision(mock.cluster().client(), settings(ConnectionMode.TUNNEL), BUILD, keep,
            Map.of("job", "team/app"), log, wayIn);
    }

    @Test
    void theWayInGetsTheReadyEnvironmentAndItsResultIsTheBlocks() throws Exception {
        String dockerHost = provision(false, ready -> "tcp://127.0.0.1:1/" + ready.environment().id());

        assertThat(dockerHost).startsWith("tcp://127.0.0.1:1/job-team-app-");
        assertThat(log.text()).contains("environment 'job:team/app' in namespace " + MockCluster.NAMESPACE
            + " via global configuration (tunnel, deleted after the block)").contains("ready in ");
        assertThat(mock.cluster().managedObjectNames()).isNotEmpty();
    }

    @Test
    void aWayInThatFailsDeletesTheEnvironmentThatIsNotKept() {
        assertThatThrownBy(() -> provision(false, ready -> {
            throw new IOException("the agent went away");
        })).isInstanceOf(IOException.class).hasMessage("the agent went away");

        assertThat(mock.cluster().awaitNoManagedObjects(Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void anInterruptedWayInStillDeletesTheEnvironmentAndKeepsTheInterrupt() {
        assertThatThrownBy(() -> provision(false, ready -> {
            Thread.currentThread().interrupt();
            throw new InterruptedException("aborted");
        })).isInstanceOf(InterruptedException.class);

        assertThat(Thread.interrupted()).as("the interrupt is passed on").isTrue();
        assertThat(mock.cluster().awaitNoManagedObjects(Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void aWayInThatFailsLeavesAKeptEnvironment() {
        assertThatThrownBy(() -> provision(true, ready -> {
            throw new IllegalStateException("no tunnel");
        })).hasMessage("no tunnel");

        assertThat(mock.cluster().managedObjectNames()).anyMatch(n -> n.startsWith("StatefulSet/job-team-app-"));
    }

    @Test
    void theDirectDockerHostIsThePodsOwnAddress() throws Exception {
        String dockerHost = provision(true, ready -> {
                Pod pod = mock.cluster().fixtureClient().pods().withName(ready.pod()).get();
                mock.cluster().fixtureClient().pods().resource(new PodBuilder(pod).editOrNewStatus()
                    .withPodIP("10.1.2.3").endStatus().build()).updateStatus();
                return BlockEnvironment.directDockerHost(mock.cluster().client(), ready);
            });

        assertThat(dockerHost).isEqualTo("tcp://10.1.2.3:2375");
    }

    @Test
    void aPodWithoutAnAddressIsAnErrorNamingThePod() {
        assertThatThrownBy(() -> provision(false, ready -> BlockEnvironment.directDockerHost(mock.cluster().client(),
            ready))).isInstanceOf(EnvironmentFailedException.class).hasMessageContaining("has no IP address yet");

        assertThat(mock.cluster().awaitNoManagedObjects(Duration.ofSeconds(10))).isEmpty();
    }
}
