package io.kubepodenv.engine.tunnel;

/** Every case of {@link DockerTunnelTest} again, with the port-forwards on the Kubernetes client's websocket. */
class DockerTunnelClientWebSocketTest extends DockerTunnelTest {
    @Override
    TunnelOptions.Transport transport() {
        return TunnelOptions.Transport.CLIENT_WEBSOCKET;
    }
}
