package io.kubepodenv.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

class ReadinessWaiterTest {
    @Test
    void onlyTheStatefulSetsOrdinalPodsAreItsOwnNotThoseOfASecondStatefulSetWhoseNameExtendsIt() {
        assertThat(ReadinessWaiter.ownPod("env-abc12", pod("env-abc12-0"))).isTrue();
        assertThat(ReadinessWaiter.ownPod("env-abc12", pod("env-abc12-12"))).isTrue();
        assertThat(ReadinessWaiter.ownPod("env-abc12", pod("env-abc12-db-0"))).isFalse();
        assertThat(ReadinessWaiter.ownPod("env-abc12", pod("env-abc12-"))).isFalse();
        assertThat(ReadinessWaiter.ownPod("env-abc12", pod("env-abc123-0"))).isFalse();
        assertThat(ReadinessWaiter.ownPod("env-abc12", pod("other-0"))).isFalse();
    }

    private static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().build();
    }
}
