package io.kubepodenv.engine.config;

import io.kubepodenv.engine.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The service account of the pod the CI controller runs in, read explicitly from the files Kubernetes mounts, so that
 * "in cluster" never falls back to a kubeconfig or to system properties. Read on the controller and handed on as a
 * token: an agent opening a tunnel uses the controller's account, not its own.
 */
public final class InClusterAccount {
    /** Where Kubernetes mounts a pod's service account. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private InClusterAccount() {
    }

    /**
     * The connection of the service account in {@code directory} ({@code token}, {@code ca.crt}) to the API server
     * named by {@code KUBERNETES_SERVICE_HOST} and {@code KUBERNETES_SERVICE_PORT} in {@code environment}.
     */
    public static ClusterConnection read(Path directory, Map<String, String> environment, String namespace) {
        String host = environment.get("KUBERNETES_SERVICE_HOST");
        String port = environment.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        if (host == null || host.isBlank()) {
            throw new InvalidInputException("in cluster: KUBERNETES_SERVICE_HOST is not set; the controller does not "
                + "run in a Kubernetes pod. Configure a server URL and credentials instead");
        }
        Path tokenFile = directory.resolve("token");
        Path caFile = directory.resolve("ca.crt");
        if (!Files.isReadable(tokenFile)) {
            throw new InvalidInputException("in cluster: no service account token at " + tokenFile + " (is "
                + "automountServiceAccountToken off for the controller's pod?)");
        }
        try {
            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            String ca = Files.isReadable(caFile) ? Files.readString(caFile, StandardCharsets.US_ASCII) : "";
            String h = host.contains(":") ? "[" + host + "]" : host;
            return new ClusterConnection("https://" + h + ":" + port.strip(), ca,
                new ClusterCredentials.Token(token), namespace);
        } catch (IOException e) {
            throw new InvalidInputException("in cluster: cannot read the service account in " + directory + ": "
                + e.getMessage());
        }
    }

    /** {@link #read(Path, Map, String)} with the mounted service account and this process's environment. */
    public static ClusterConnection read(String namespace) {
        return read(DEFAULT_DIRECTORY, System.getenv(), namespace);
    }
}
