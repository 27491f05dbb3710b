package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SingleReplicaPodLocatorTest {

    @Test
    void thePodOfAStatefulSetOfOneReplicaIsItsOrdinalZero() {
        SingleReplicaPodLocator locator = new SingleReplicaPodLocator("kpe-env-abc");

        assertThat(locator.readyPod()).isEqualTo("kpe-env-abc-0");
        assertThat(locator.describe()).isEqualTo("StatefulSet kpe-env-abc (pod kpe-env-abc-0)");
    }

    @Test
    void aNameThatCannotBeAStatefulSetsIsRefused() {
        assertThatThrownBy(() -> new SingleReplicaPodLocator("Env/../x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("StatefulSet name: 'Env/../x' is not a DNS-1123 label of at most 61 characters");
    }
}
