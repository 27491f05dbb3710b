package io.kubepodenv.engine.config;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubepodenv.engine.InvalidInputException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything needed to reach the API server, as plain values, ready to be turned into a client wherever the work runs
 * (on the CI controller, or shipped to an agent that opens the Docker tunnel). The client configuration starts from
 * nothing ({@link Config#empty()}): no kubeconfig file, environment variable, system property or service account of
 * the machine it runs on is ever consulted.
 *
 * @param serverUrl the API server; may be empty only with kubeconfig credentials (then the kubeconfig's server)
 * @param caCertificate the API server's CA as PEM; empty: the JVM's trust store (or the kubeconfig's CA)
 * @param credentials how to authenticate
 * @param namespace the namespace the client works in
 */
public record ClusterConnection(String serverUrl, String caCertificate, ClusterCredentials credentials,
    String namespace) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Bound on opening a connection to the API server. */
    public static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /** Bound on one API request (watches and port-forwards are not requests in this sense). */
    public static final int REQUEST_TIMEOUT_MILLIS = 30_000;

    public ClusterConnection {
        serverUrl = Blanks.orEmpty(serverUrl);
        caCertificate = Blanks.orEmpty(caCertificate);
        if (credentials == null) {
            throw new IllegalArgumentException("credentials are required");
        }
        if (namespace == null || namespace.isBlank()) {
            throw new IllegalArgumentException("namespace is required");
        }
        if (!serverUrl.isEmpty()) {
            ClusterTarget.checkServerUrl("cluster", serverUrl);
        }
        if (!caCertificate.isEmpty()) {
            caCertificate = Pem.normalizeCertificates("CA certificate", caCertificate);
        }
        if (serverUrl.isEmpty() && !(credentials instanceof ClusterCredentials.Kubeconfig)) {
            throw new InvalidInputException("server URL: required with " + credentials.describe()
                + " credentials (only a kubeconfig file brings its own)");
        }
    }

    /** The fabric8 client configuration; see the class comment for what it never reads. */
    public Config config() {
        Config config = Config.empty();
        ClusterCredentials auth = credentials;
        if (credentials instanceof ClusterCredentials.Kubeconfig kubeconfig) {
            // Read field by field rather than with Config.fromKubeconfig, which also merges the JVM's system
            // properties (kubernetes.master, kubernetes.auth.token, ...) into the result.
            KubeconfigPolicy.Selected selected = KubeconfigPolicy.select(kubeconfig);
            config.setMasterUrl(selected.server());
            if (!selected.caCertificateData().isEmpty()) {
                config.setCaCertData(selected.caCertificateData());
            }
            config.setTrustCerts(selected.insecureSkipTlsVerify());
            auth = selected.credentials();
        }
        if (auth instanceof ClusterCredentials.Token t) {
            config.setOauthToken(t.token());
        } else if (auth instanceof ClusterCredentials.ClientCertificate c) {
            config.setClientCertData(Pem.base64(c.certificatePem()));
            config.setClientKeyData(Pem.base64(c.privateKeyPem()));
            config.setClientKeyAlgo(c.keyAlgorithm() == null || c.keyAlgorithm().isEmpty() ? null : c.keyAlgorithm());
        } else if (auth instanceof ClusterCredentials.UsernamePassword u) {
            config.setUsername(u.username());
            config.setPassword(u.password());
        }
        if (!serverUrl.isEmpty()) {
            config.setMasterUrl(serverUrl);
        }
        if (!caCertificate.isEmpty()) {
            config.setCaCertData(Pem.base64(caCertificate));
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new InvalidInputException("kubeconfig credentials: the kubeconfig names no server, and no server URL "
                + "is configured");
        }
        config.setNamespace(namespace);
        config.setConnectionTimeout(CONNECT_TIMEOUT_MILLIS);
        config.setRequestTimeout(REQUEST_TIMEOUT_MILLIS);
        KubeHttp.refusalsAnswered(config);
        return config;
    }

    /** A new client; the caller closes it. */
    public KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(config()).build();
    }

    /** The same cluster and credentials, another namespace. */
    public ClusterConnection inNamespace(String otherNamespace) {
        return new ClusterConnection(serverUrl, caCertificate, credentials, otherNamespace);
    }

    /** Every secret value of the connection, to mask in messages. */
    public SecretMasker masker() {
        List<String> secrets = new ArrayList<>(credentials.secrets());
        return SecretMasker.of(secrets);
    }

    @Override
    public String toString() {
        return "ClusterConnection[" + (serverUrl.isEmpty() ? "kubeconfig server" : serverUrl) + ", "
            + credentials.describe() + ", namespace " + namespace + "]";
    }
}
