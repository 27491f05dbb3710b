package io.kubepodenv.engine.config;

import io.kubepodenv.engine.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the machine that runs the build's commands reaches the environment's Docker server. */
public enum ConnectionMode {
    /**
     * A forwarder on the build machine's loopback carries each connection through the Kubernetes API's
     * port-forward: works from anywhere the API server is reachable, and the Docker port stays closed to the network.
     */
    TUNNEL("tunnel"),
    /**
     * No forwarder: {@code DOCKER_HOST} is the pod's address in the cluster network. Only for build machines that run
     * inside the same cluster, with a template whose NetworkPolicy admits them.
     */
    DIRECT("direct");

    private final String id;

    ConnectionMode(String id) {
        this.id = id;
    }

    /** The name users write: {@code tunnel}, {@code direct}. */
    public String id() {
        return id;
    }

    /** Parses a user's value, case-insensitively; the message lists the accepted values. */
    public static ConnectionMode parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (ConnectionMode m : values()) {
            if (m.id.equals(t)) {
                return m;
            }
        }
        throw new InvalidInputException("connection mode: '" + text + "' is not one of "
            + Arrays.stream(values()).map(ConnectionMode::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id;
    }
}
