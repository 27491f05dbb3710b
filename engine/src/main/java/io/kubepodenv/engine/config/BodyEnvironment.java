package io.kubepodenv.engine.config;

import io.kubepodenv.engine.InvalidInputException;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The variables a build's commands see inside the block: where the Docker server is, which environment it is, and
 * none of the variables that would point the Docker client elsewhere or make it speak TLS to a plain-TCP server.
 *
 * @param dockerHost {@code tcp://host:port}
 * @param environmentId the environment's instance id
 * @param namespace the environment's namespace
 */
public record BodyEnvironment(String dockerHost, String environmentId, String namespace) {
    public static final String DOCKER_HOST = "DOCKER_HOST";
    public static final String ENVIRONMENT_ID = "KUBE_POD_ENV_ID";
    public static final String ENVIRONMENT_NAMESPACE = "KUBE_POD_ENV_NAMESPACE";

    /**
     * Variables that would override or contradict {@code DOCKER_HOST}: a TLS setup for another daemon, a Docker
     * context (which wins over nothing but is confusing), a TLS flag.
     */
    public static final Set<String> CLEARED = Set.of("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS",
        "DOCKER_CONTEXT");

    public BodyEnvironment {
        if (dockerHost == null || !dockerHost.matches("tcp://[^\\s/]+:[0-9]{1,5}")) {
            throw new InvalidInputException("DOCKER_HOST: '" + dockerHost + "' is not tcp://host:port");
        }
        if (environmentId == null || environmentId.isBlank() || namespace == null || namespace.isBlank()) {
            throw new IllegalArgumentException("environment id and namespace are required");
        }
    }

    /** {@code tcp://host:port} for a host name or an IP address (IPv6 in brackets). */
    public static String dockerHost(String host, int port) {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "tcp://" + h + ":" + port;
    }

    /** The address of a loopback tunnel, whatever loopback address it bound. */
    public static String dockerHost(InetAddress loopback, int port) {
        if (!loopback.isLoopbackAddress()) {
            throw new IllegalArgumentException("the Docker tunnel must listen on loopback, not "
                + loopback.getHostAddress());
        }
        return dockerHost(loopback.getHostAddress(), port);
    }

    /** The variables to set, in a stable order. */
    public Map<String, String> variables() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put(DOCKER_HOST, dockerHost);
        v.put(ENVIRONMENT_ID, environmentId);
        v.put(ENVIRONMENT_NAMESPACE, namespace);
        return v;
    }

    /**
     * Applies the block's variables to {@code environment} in place. The cleared variables are set to the empty
     * string rather than removed: a CI system that layers the build's variables over the agent process's own (Jenkins
     * does) drops a variable given as empty, whereas a removed one would be inherited again from the agent.
     */
    public void applyTo(Map<String, String> environment) {
        for (String name : CLEARED) {
            environment.put(name, "");
        }
        environment.putAll(variables());
    }

    /** The cleared variables in a stable order, for logs and documentation. */
    public static List<String> clearedNames() {
        return CLEARED.stream().sorted().toList();
    }
}
