package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TunnelOptionsTest {

    @Test
    void aKeepAliveIntervalMustBePositive() {
        assertThatThrownBy(() -> TunnelOptions.defaults().withKeepAliveInterval(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keepAliveInterval must be positive, not PT0S");
    }

    @Test
    void framesMayBeLargerOnRequestButNotBeyondHalfTheKubeletsLimit() {
        assertThat(TunnelOptions.defaults().maxFramePayload()).isEqualTo(65535);
        assertThat(TunnelOptions.defaults().withMaxFramePayload((16 << 20) - 1).maxFramePayload())
                .isEqualTo((16 << 20) - 1);
        assertThatThrownBy(() -> TunnelOptions.defaults().withMaxFramePayload(16 << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxFramePayload must be 1..");
    }
}
