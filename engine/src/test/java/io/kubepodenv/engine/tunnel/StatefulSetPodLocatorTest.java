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
}
