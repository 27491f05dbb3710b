/**
 * The managed tunnel that hands a build {@code DOCKER_HOST=tcp://127.0.0.1:<port>}: a loopback listener whose every
 * connection becomes one Kubernetes port-forward websocket to port 2375 of the environment's current Ready pod, with
 * end-to-end backpressure. See {@link io.kubepodenv.engine.tunnel.DockerTunnel}.
 */
package io.kubepodenv.engine.tunnel;
