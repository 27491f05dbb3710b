package io.kubepodenv.engine;

import java.util.List;
import java.util.Map;

/**
 * Where the Docker server of an environment listens in its pod, and whether it speaks TLS.
 *
 * <p>The template says so with the name of a port of the docker-host StatefulSet's first container: a port named
 * {@code docker-tls} means Docker over TLS on that port (clients need certificates); otherwise a port named
 * {@code docker} gives the plain port; with neither, the plain port is 2375.
 *
 * @param port the container port
 * @param tls whether the server requires TLS
 */
public record DockerEndpoint(int port, boolean tls) {
    public static final DockerEndpoint PLAIN = new DockerEndpoint(2375, false);
    public static final String TLS_PORT_NAME = "docker-tls";
    public static final String PLAIN_PORT_NAME = "docker";

    public DockerEndpoint {
        if (port < 1 || port > 65535) {
            throw new InvalidInputException("docker port: " + port + " is not a port number");
        }
    }

    /** The endpoint a container (as template data) declares through its named ports. */
    public static DockerEndpoint declaredBy(Map<?, ?> container) {
        DockerEndpoint plain = null;
        if (container.get("ports") instanceof List<?> ports) {
            for (Object p : ports) {
                if (p instanceof Map<?, ?> port && port.get("containerPort") instanceof Integer number) {
                    if (TLS_PORT_NAME.equals(port.get("name"))) {
                        return new DockerEndpoint(number, true);
                    }
                    if (PLAIN_PORT_NAME.equals(port.get("name"))) {
                        plain = new DockerEndpoint(number, false);
                    }
                }
            }
        }
        return plain == null ? PLAIN : plain;
    }

    /** Parses the annotations the engine writes; missing or unreadable values mean {@link #PLAIN}. */
    public static DockerEndpoint fromAnnotations(String port, String tls) {
        try {
            return port == null ? PLAIN : new DockerEndpoint(Integer.parseInt(port), "true".equals(tls));
        } catch (RuntimeException e) {
            return PLAIN;
        }
    }
}
