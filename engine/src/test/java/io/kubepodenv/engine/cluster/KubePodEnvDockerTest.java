package io.kubepodenv.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.testing.DockerDaemonFixture;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.PortForwardBridge;
import io.kubepodenv.engine.testing.RecordingListener;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code up} is ready only when the Docker server answers through the path DOCKER_HOST takes. */
class KubePodEnvDockerTest {
    private static final EnvironmentKey KEY = EnvironmentKey.of("shop/PR-31");
    private static DockerDaemonFixture docker;

    @BeforeAll
    static void requireDocker() {
        docker = DockerDaemonFixture.require();
    }

    @Test
    void upPingsTheDockerServerThroughAPortForwardToTheReadyPod() {
        List<String> forwards = new CopyOnWriteArrayList<>();
        PortForwardBridge bridge = new PortForwardBridge((pod, port) -> {
            forwards.add(pod + ":" + port);
            return docker.address();
        });
        RecordingListener listener = new RecordingListener();
        try (MockCluster cluster = new MockCluster(bridge);
            KubePodEnv engine = new KubePodEnv(cluster.client(), cluster.options().build())) {
            ReadyEnvironment ready = engine.up(KEY, listener);
            assertThat(forwards).contains(ready.environment().id() + "-0:2375");
            assertThat(listener.lines()).anyMatch(l -> l.contains("the Docker server answers through the tunnel"));
            assertThat(listener.lines().indexOf(listener.lines().stream()
                .filter(l -> l.contains("answers through the tunnel")).findFirst().orElseThrow()))
                .isLessThan(listener.lines().indexOf("ready: pod " + ready.pod()));
        }
    }

    @Test
    void aReadyPodWhoseDockerServerDoesNotAnswerFailsUpAndLeavesNothing() {
        PortForwardBridge refusing = new PortForwardBridge((pod, port) -> (SocketAddress) null);
        try (MockCluster cluster = new MockCluster(refusing);
            KubePodEnv engine = new KubePodEnv(cluster.client(), cluster.options().build())) {
            assertThatThrownBy(() -> engine.up(KEY, new RecordingListener()))
                .isInstanceOf(EnvironmentFailedException.class)
                .hasMessageContaining("does not answer on port 2375");
            assertThat(cluster.awaitNoManagedObjects(Duration.ofSeconds(10))).isEmpty();
        }
    }
}
