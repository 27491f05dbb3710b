package io.kubepodenv.engine.tunnel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.net.Socket;

/**
 * Runs inside a class loader that holds only the engine's classes and SLF4J (see
 * {@link DockerTunnelWithoutClientTest}): receives an {@link ApiServerAccess} as a Jenkins agent would (serialized),
 * opens a tunnel with it and passes bytes through. Only JDK types cross the loader's border.
 */
public final class JdkOnlyTunnelDriver {
    private JdkOnlyTunnelDriver() {
    }

    /** Sends {@code payload} through a tunnel to an echo server and returns what came back. */
    public static byte[] echoThroughTunnel(byte[] serializedAccess, String namespace, String statefulSet,
            byte[] payload) throws IOException, ClassNotFoundException {
        ApiServerAccess access;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(serializedAccess))) {
            access = (ApiServerAccess) in.readObject();
        }
        try (DockerTunnel tunnel = DockerTunnel.openWithoutPing(access, namespace,
                new SingleReplicaPodLocator(statefulSet), TunnelOptions.defaults());
                Socket socket = new Socket(tunnel.address().getAddress(), tunnel.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(payload);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            return in.readNBytes(payload.length);
        }
    }

    /** As {@link #echoThroughTunnel}, with a {@link PodAccess} received serialized (what the Jenkins agent gets). */
    public static byte[] echoThroughPodAccess(byte[] serializedPodAccess, String statefulSet, byte[] payload)
            throws IOException, ClassNotFoundException {
        PodAccess access;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(serializedPodAccess))) {
            access = (PodAccess) in.readObject();
        }
        try (PodAccess a = access;
                DockerTunnel tunnel = a.openTunnel(statefulSet, TunnelOptions.defaults());
                Socket socket = new Socket(tunnel.address().getAddress(), tunnel.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(payload);
            socket.getOutputStream().flush();
            return socket.getInputStream().readNBytes(payload.length);
        }
    }
}

