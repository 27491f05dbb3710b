package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kubepodenv.engine.testing.DockerMockCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which pod the tunnel forwards to, and how many requests finding it costs. */
class StatefulSetPodLocatorTest {
    private DockerMockCluster cluster;
    private StatefulSetPodLocator locator;

    @BeforeEach
    void start() {
        cluster = DockerMockCluster.forTargets((pod, port) -> null);
        cluster.createDockerHost("env");
        locator = new StatefulSetPodLocator(cluster.client(), DockerMockCluster.NAMESPACE, "env");
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aReadyFirstPodOfTheSetCostsOneRequest() {
        int before = cluster.server().getRequestCount();

        assertThat(locator.readyPod()).isEqualTo("env-0");
        assertThat(cluster.server().getRequestCount() - before).isEqualTo(1);
    }

    @Test
    void aPodNamedLikeTheFirstButNotOwnedByTheSetIsNotTaken() {
        cluster.deletePod("env-0");
        cluster.client().pods().inNamespace(DockerMockCluster.NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName("env-0").addToLabels("other", "thing").endMetadata()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True")
                .endCondition().endStatus()
                .build()).create();
        cluster.createReadyPod("env", "env-1");

        assertThat(locator.readyPod()).isEqualTo("env-1");
    }

    @Test
    void anUnreadyFirstPodIsExplainedByTheFullLookup() {
        cluster.deletePod("env-0");
        cluster.createUnreadyPod("env", "env-0");

        assertThatThrownBy(locator::readyPod).isInstanceOf(NoReadyPodException.class)
                .hasMessageContaining("has no Ready pod").hasMessageContaining("env-0");
    }

    @Test
    void aWatchingLocatorMakesNoRequestWhileTheWatchedPodIsReady() throws Exception {
        try (StatefulSetPodLocator watching = StatefulSetPodLocator.watching(cluster.client(),
                DockerMockCluster.NAMESPACE, "env")) {
            awaitTrue(watching::isInStep);
            int before = cluster.server().getRequestCount();
            for (int i = 0; i < 5; i++) {
                assertThat(watching.readyPod()).isEqualTo("env-0");
            }
            assertThat(cluster.server().getRequestCount() - before).isZero();
        }
    }

    @Test
    void aWatchingLocatorSeesThePodGoUnreadyAndExplainsIt() throws Exception {
        try (StatefulSetPodLocator watching = StatefulSetPodLocator.watching(cluster.client(),
                DockerMockCluster.NAMESPACE, "env")) {
            awaitTrue(watching::isInStep);
            assertThat(watching.readyPod()).isEqualTo("env-0");
            cluster.deletePod("env-0");
            cluster.createUnreadyPod("env", "env-0");

            // as soon as the watch has delivered the change (the mock's watch: milliseconds)
            awaitTrue(() -> {
                try {
                    watching.readyPod();
                    return false;
                } catch (NoReadyPodException e) {
                    return true;
                }
            });
            assertThatThrownBy(watching::readyPod).isInstanceOf(NoReadyPodException.class)
                    .hasMessageContaining("has no Ready pod").hasMessageContaining("env-0");
        }
    }

    @Test
    void closingAWatchingLocatorEndsItsWatch() throws Exception {
        StatefulSetPodLocator watching = StatefulSetPodLocator.watching(cluster.client(),
                DockerMockCluster.NAMESPACE, "env");
        awaitTrue(watching::isWatching);
        watching.close();
        assertThat(watching.isWatching()).isFalse();
        assertThat(watching.readyPod()).as("still answers, by lookup").isEqualTo("env-0");
    }

    @Test
    void theTunnelClosesItsLocator() throws Exception {
        java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
        PodLocator counting = new PodLocator() {
            @Override
            public String readyPod() {
                return locator.readyPod();
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        };
        DockerTunnel tunnel = DockerTunnel.openWithoutPing(cluster.client(), DockerMockCluster.NAMESPACE, counting,
                TunnelOptions.defaults());
        assertThat(closed.get()).isZero();
        tunnel.close();
        assertThat(closed.get()).isEqualTo(1);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the condition did not become true within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
