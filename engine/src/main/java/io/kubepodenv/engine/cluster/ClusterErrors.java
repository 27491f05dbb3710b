package io.kubepodenv.engine.cluster;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.EnvironmentFailedException;

/** Turns API errors into messages that say what was refused, why, and what to do. */
public final class ClusterErrors {
    private ClusterErrors() {
    }

    /**
     * An exception for a failed call.
     *
     * @param action what was attempted, e.g. "apply StatefulSet abc (document 3)"
     * @param namespace the namespace it was attempted in
     */
    public static EnvironmentFailedException failed(String action, String namespace, Throwable error) {
        return new EnvironmentFailedException("cannot " + action + ": " + explain(error, namespace), error);
    }

    /** Whether {@code error} (or a cause of it) is the cluster refusing the credentials themselves (HTTP 401). */
    public static boolean refusedCredentials(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KubernetesClientException k && (k.getCode() == 401 || treatedAsAnonymous(k))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A 403 for the anonymous user: the API server did not recognise the credentials at all (a client certificate
     * signed by a CA it does not trust) and, with anonymous requests allowed, answered as for nobody. (An expired
     * certificate of a CA it trusts is answered with a 401.)
     */
    private static boolean treatedAsAnonymous(KubernetesClientException k) {
        return k.getCode() == 403 && serverMessage(k).contains("User \"system:anonymous\"");
    }

    /** One line saying what the cluster answered. */
    public static String explain(Throwable error, String namespace) {
        if (error instanceof KubernetesClientException k) {
            String server = serverMessage(k);
            return switch (k.getCode()) {
                case 401 -> "the cluster refused the credentials (HTTP 401): they are missing, wrong or expired";
                case 403 -> treatedAsAnonymous(k)
                    ? "the cluster did not recognise the credentials and answered as for an anonymous user (HTTP 403): "
                        + server + ". The token or client certificate is not one this cluster accepts (a certificate "
                        + "signed by another CA)"
                    : "forbidden (HTTP 403): " + server + ". The credentials lack a permission in namespace '"
                        + namespace + "'; compare them with the Role in docs/rbac.md";
                case 404 -> "not found (HTTP 404): " + server
                    + (server.contains("namespaces") ? "" : "; does namespace '" + namespace + "' exist?");
                case 409 -> "conflict (HTTP 409): " + server;
                case 422 -> "the cluster rejected the object (HTTP 422): " + server;
                case 0 -> "no answer from the cluster: " + rootMessage(k);
                default -> "HTTP " + k.getCode() + ": " + server;
            };
        }
        return rootMessage(error);
    }

    private static String serverMessage(KubernetesClientException k) {
        Status status = k.getStatus();
        if (status != null && status.getMessage() != null && !status.getMessage().isBlank()) {
            return status.getMessage();
        }
        return rootMessage(k);
    }

    private static String rootMessage(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
