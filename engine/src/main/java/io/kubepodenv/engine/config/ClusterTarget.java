package io.kubepodenv.engine.config;

import io.kubepodenv.engine.InvalidInputException;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Which cluster to use and as whom, as configured by an administrator: either the cluster the CI controller itself
 * runs in (its service account), or an API server URL with an optional CA certificate and the id of a stored
 * credential. The credential itself is resolved separately, by the CI system, into {@link ClusterCredentials}.
 *
 * <p>A target is always taken whole from one configuration level: a server URL from one level is never combined with
 * a credential from another, so that no level can send another level's credential to a server of its choosing.
 *
 * @param inCluster use the controller's own service account and API server
 * @param serverUrl the API server, {@code https://...}; empty when in-cluster, or to take it from a kubeconfig
 *     credential
 * @param caCertificate PEM (or base64 of PEM) of the API server's CA; empty: the JVM's trust store, or the
 *     kubeconfig's
 * @param credentialsId the stored credential to authenticate with; empty when in-cluster
 */
public record ClusterTarget(boolean inCluster, String serverUrl, String caCertificate, String credentialsId)
    implements Serializable {
    private static final long serialVersionUID = 1L;

    public ClusterTarget {
        serverUrl = Blanks.orEmpty(serverUrl);
        caCertificate = Blanks.orEmpty(caCertificate);
        credentialsId = Blanks.orEmpty(credentialsId);
    }

    /** The controller's own cluster and service account. */
    public static ClusterTarget inClusterTarget() {
        return new ClusterTarget(true, "", "", "");
    }

    public static ClusterTarget of(String serverUrl, String caCertificate, String credentialsId) {
        return new ClusterTarget(false, serverUrl, caCertificate, credentialsId);
    }

    /** Whether anything at all was configured (a level that leaves the cluster empty inherits its parent's). */
    public boolean isConfigured() {
        return inCluster || !serverUrl.isEmpty() || !credentialsId.isEmpty();
    }

    /**
     * Checks that the target is complete and well-formed.
     *
     * @param origin the configuration level, for the message ("folder 'team-a'")
     */
    public void validate(String origin) {
        if (inCluster) {
            if (!serverUrl.isEmpty() || !credentialsId.isEmpty()) {
                throw new InvalidInputException(origin + ": 'in cluster' uses the controller's service account; leave "
                    + "the server URL and credentials empty, or turn 'in cluster' off");
            }
            return;
        }
        if (credentialsId.isEmpty()) {
            throw new InvalidInputException(origin + ", credentials: choose the credentials to connect with (a "
                + "token, a kubeconfig file, a client certificate or a user name and password), or 'in cluster'");
        }
        if (!serverUrl.isEmpty()) {
            checkServerUrl(origin, serverUrl);
        }
        if (!caCertificate.isEmpty()) {
            Pem.certificates(origin + ", CA certificate", caCertificate);
        }
    }

    static void checkServerUrl(String origin, String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new InvalidInputException(origin + ", server URL: '" + url + "' is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw new InvalidInputException(origin + ", server URL: '" + url
                + "' is not an http(s) URL of a Kubernetes API server (example: https://k8s.example.com:6443)");
        }
        if (uri.getUserInfo() != null) {
            throw new InvalidInputException(origin + ", server URL: must not contain a user name or password; use "
                + "credentials instead");
        }
    }
}
