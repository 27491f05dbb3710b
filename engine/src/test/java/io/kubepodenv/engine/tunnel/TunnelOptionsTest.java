package io.kubepodenv.engine.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TunnelOptionsTest {

    @Test
    void theTransportIsDirectUnlessTheClientsWebsocketIsNamed() {
        assertThat(TunnelOptions.Transport.parse(null)).isEqualTo(TunnelOptions.Transport.DIRECT);
        assertThat(TunnelOptions.Transport.parse(" ")).isEqualTo(TunnelOptions.Transport.DIRECT);
        assertThat(TunnelOptions.Transport.parse("Direct")).isEqualTo(TunnelOptions.Transport.DIRECT);
        assertThat(TunnelOptions.Transport.parse(" client-websocket "))
                .isEqualTo(TunnelOptions.Transport.CLIENT_WEBSOCKET);
    }

    @Test
    void anUnknownTransportIsRefusedNamingTheValues() {
        assertThatThrownBy(() -> TunnelOptions.Transport.parse("spdy"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tunnel transport: 'spdy' is not one of direct, client-websocket");
    }

    @Test
    void theDefaultsDoNotDependOnSystemProperties() {
        String property = "kpe.tunnel.transport";
        String before = System.getProperty(property);
        System.setProperty(property, "client-websocket");
        try {
            assertThat(TunnelOptions.defaults().transport()).isEqualTo(TunnelOptions.Transport.DIRECT);
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
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
