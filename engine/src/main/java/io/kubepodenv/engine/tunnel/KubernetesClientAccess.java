package io.kubepodenv.engine.tunnel;

import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.Cluster;
import io.fabric8.kubernetes.api.model.NamedAuthInfo;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.StandardHttpRequest;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes client's side of the tunnel, the only tunnel class that touches fabric8 (with
 * {@link StatefulSetPodLocator}): turns a client into an {@link ApiServerAccess} and its interceptors into credentials
 * that renew themselves. Kept apart so that a tunnel opened from an
 * {@link ApiServerAccess} loads no fabric8 class.
 */
public final class KubernetesClientAccess {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesClientAccess.class);
    private static final Interceptor.RequestTags NO_TAGS = new Interceptor.RequestTags() {
        @Override
        public <T> T getTag(Class<T> type) {
            return null;
        }
    };

    private KubernetesClientAccess() {
    }

    /**
     * The {@link PodAccess} to send to a process away from the controller (a CI agent): {@link DirectPodAccess}, with
     * the client's credentials as they are now, unless they renew themselves; then {@link ClientPodAccess}, which makes
     * its own client from {@code connection} where it is used.
     *
     * @param connection what {@code client} was made from
     */
    public static PodAccess podAccess(KubernetesClient client, io.kubepodenv.engine.config.ClusterConnection connection) {
        ApiServerAccess access = of(client);
        return access.refreshingCredentials() ? new ClientPodAccess(connection)
            : new DirectPodAccess(access, connection.namespace());
    }

    /**
     * What {@code client} uses to reach its API server: its URL, its TLS material (the client key as PKCS#8 whatever
     * its format in the configuration), the headers its interceptors add to a request now (credentials included,
     * resolved once), the kubeconfig's {@code tls-server-name}, {@code insecure-skip-tls-verify} as the client has it
     * ({@code trustCerts}), its proxy unless the server is in its no-proxy list, and whether its credentials renew
     * themselves ({@link ApiServerAccess#refreshingCredentials()}).
     *
     * @throws TunnelException when the client's TLS material cannot be read (the message names the field, never its
     *                         content)
     */
    public static ApiServerAccess of(KubernetesClient client) {
        Config config = client.getConfiguration();
        URL master = client.getMasterUrl();
        URI server;
        try {
            server = master.toURI();
        } catch (URISyntaxException e) {
            throw new TunnelException("the Kubernetes API URL " + master + " is not a valid URI");
        }
        boolean https = "https".equalsIgnoreCase(server.getScheme());
        Optional<Cluster> cluster = kubeconfigCluster(config);
        Optional<AuthInfo> user = kubeconfigUser(config);
        String ca = "";
        String clientCertificate = "";
        String clientKey = "";
        if (https) {
            ca = pem("certificate-authority", config.getCaCertData(), config.getCaCertFile());
            if (present(config.getClientCertData()) || present(config.getClientCertFile())) {
                String[] pair = clientCertificate(config);
                clientCertificate = pair[0];
                clientKey = pair[1];
            }
        }
        List<Interceptor> interceptors = interceptors(config);
        Map<String, List<String>> headers = headers(interceptors, server);
        URI proxy = null;
        String proxyAuthorization = "";
        String proxyUrl = https ? config.getHttpsProxy() : config.getHttpProxy();
        if (present(proxyUrl) && !noProxy(server.getHost(), config.getNoProxy())) {
            URI p = URI.create(proxyUrl.contains("://") ? proxyUrl : "http://" + proxyUrl);
            proxy = URI.create(p.getScheme() + "://" + p.getHost() + (p.getPort() > 0 ? ":" + p.getPort() : ""));
            if (present(config.getProxyUsername())) {
                proxyAuthorization = "Basic " + Base64.getEncoder().encodeToString((config.getProxyUsername() + ":"
                        + (config.getProxyPassword() == null ? "" : config.getProxyPassword()))
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        boolean refreshing = config.getAuthProvider() != null || config.getOauthTokenProvider() != null
                || user.map(u -> u.getExec() != null || u.getAuthProvider() != null || present(u.getTokenFile()))
                        .orElse(false)
                || (config.getFile() == null && present(config.getAutoOAuthToken()));
        try {
            return new ApiServerAccess(server, ca, clientCertificate, clientKey, headers,
                    cluster.map(Cluster::getTlsServerName).orElse(""), config.isTrustCerts(), proxy,
                    proxyAuthorization, refreshing);
        } catch (IllegalArgumentException e) {
            throw new TunnelException("the Kubernetes client's configuration cannot be used for the tunnel: "
                    + e.getMessage());
        }
    }

    /**
     * The endpoint a client reaches: its access, with the client's interceptors renewing its credentials.
     *
     * @throws TunnelException when the client's TLS material cannot be read or used
     */
    static ApiServerEndpoint endpoint(KubernetesClient client) {
        ApiServerAccess access = of(client);
        return new ApiServerEndpoint(access, new InterceptorCredentials(interceptors(client.getConfiguration())));
    }

    private static List<Interceptor> interceptors(Config config) {
        HttpClient.Factory httpFactory = HttpClientUtils.getHttpClientFactory();
        return new ArrayList<>(HttpClientUtils.createApplicableInterceptors(config, httpFactory).values());
    }

    private static Map<String, List<String>> headers(Collection<Interceptor> interceptors, URI uri) {
        StandardHttpRequest.Builder builder = new StandardHttpRequest.Builder();
        builder.uri(uri);
        HttpRequest request = builder.build();
        for (Interceptor interceptor : interceptors) {
            interceptor.before(builder, request, NO_TAGS);
        }
        return builder.build().headers();
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    /** PEM text from a kubeconfig-style field: base64 of PEM (or PEM itself) in data, else a file; "" for neither. */
    private static String pem(String field, String data, String file) {
        if (present(data)) {
            String t = data.strip();
            if (t.contains("-----BEGIN")) {
                return t + "\n";
            }
            try {
                return new String(Base64.getMimeDecoder().decode(t), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new TunnelException(field + "-data of the Kubernetes client's configuration is not base64");
            }
        }
        if (present(file)) {
            try {
                return Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new TunnelException("cannot read " + field + " " + file + ": " + e.getMessage());
            }
        }
        return "";
    }

    /**
     * The client certificate chain and its key as PKCS#8 PEM, read through the client's own TLS code, which knows
     * every key format a kubeconfig may hold (PKCS#1, SEC1, PKCS#8, with a passphrase).
     */
    private static String[] clientCertificate(Config config) {
        try {
            for (KeyManager manager : SSLUtils.keyManagers(config)) {
                if (manager instanceof X509KeyManager keys) {
                    for (String type : new String[] {"RSA", "EC", "EdDSA", "Ed25519"}) {
                        String[] aliases = keys.getClientAliases(type, null);
                        if (aliases == null) {
                            continue;
                        }
                        for (String alias : aliases) {
                            PrivateKey key = keys.getPrivateKey(alias);
                            Certificate[] chain = keys.getCertificateChain(alias);
                            if (key != null && chain != null && chain.length > 0 && key.getEncoded() != null) {
                                StringBuilder certs = new StringBuilder();
                                for (Certificate c : chain) {
                                    certs.append(pemBlock("CERTIFICATE", c.getEncoded()));
                                }
                                return new String[] {certs.toString(), pemBlock("PRIVATE KEY", key.getEncoded())};
                            }
                        }
                    }
                }
            }
        } catch (Exception e) {
            throw new TunnelException("the client certificate or key of the Kubernetes client's configuration cannot"
                    + " be read: " + e.getClass().getSimpleName());
        }
        throw new TunnelException("the client certificate of the Kubernetes client's configuration holds no usable"
                + " key");
    }

    private static String pemBlock(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static Optional<Cluster> kubeconfigCluster(Config config) {
        NamedContext context = config.getCurrentContext();
        File file = config.getFileWithCluster();
        if (context == null || context.getContext() == null || file == null) {
            return Optional.empty();
        }
        try {
            return KubeConfigUtils.parseConfig(file).getClusters().stream()
                    .filter(c -> c.getName() != null && c.getName().equals(context.getContext().getCluster()))
                    .map(NamedCluster::getCluster).filter(java.util.Objects::nonNull).findFirst();
        } catch (RuntimeException e) {
            LOG.debug("kubeconfig {} not read for tls-server-name: {}", file, e.toString());
            return Optional.empty();
        }
    }

    private static Optional<AuthInfo> kubeconfigUser(Config config) {
        NamedContext context = config.getCurrentContext();
        File file = config.getFileWithAuthInfo();
        if (context == null || context.getContext() == null || file == null) {
            return Optional.empty();
        }
        try {
            return KubeConfigUtils.parseConfig(file).getUsers().stream()
                    .filter(u -> u.getName() != null && u.getName().equals(context.getContext().getUser()))
                    .map(NamedAuthInfo::getUser).filter(java.util.Objects::nonNull).findFirst();
        } catch (RuntimeException e) {
            LOG.debug("kubeconfig {} not read for the user's credentials: {}", file, e.toString());
            return Optional.empty();
        }
    }

    /** Whether {@code host} is in the no-proxy list: a host, a {@code .domain} suffix, a domain, or {@code *}. */
    static boolean noProxy(String host, String[] noProxy) {
        if (noProxy == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : noProxy) {
            String e = entry == null ? "" : entry.trim().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            if (e.equals("*") || h.equals(e) || (e.startsWith(".") && h.endsWith(e)) || h.endsWith("." + e)) {
                return true;
            }
        }
        return false;
    }

    /** The client's request interceptors: its credentials, renewed as the client renews them. */
    private static final class InterceptorCredentials implements ApiServerCredentials {
        private final Collection<Interceptor> interceptors;

        InterceptorCredentials(Collection<Interceptor> interceptors) {
            this.interceptors = interceptors;
        }

        @Override
        public Map<String, List<String>> headers(URI uri) {
            return KubernetesClientAccess.headers(interceptors, uri);
        }

        @Override
        public boolean renew(URI uri, int status, Duration timeout) {
            StandardHttpRequest.Builder builder = new StandardHttpRequest.Builder();
            builder.uri(uri);
            HttpRequest request = builder.build();
            HttpResponse<Object> response = new StatusOnlyResponse(request, status);
            for (Interceptor interceptor : interceptors) {
                try {
                    CompletableFuture<Boolean> renewed = interceptor.afterFailure(builder, response, NO_TAGS);
                    if (renewed != null
                            && Boolean.TRUE.equals(renewed.get(timeout.toMillis(), TimeUnit.MILLISECONDS))) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                } catch (Exception e) {
                    LOG.debug("renewing the credentials failed: {}", e.toString());
                }
            }
            return false;
        }
    }

    /** The little of an HTTP response that the interceptors look at when deciding whether to renew credentials. */
    private record StatusOnlyResponse(HttpRequest request, int code) implements HttpResponse<Object> {
        @Override
        public Object body() {
            return null;
        }

        @Override
        public Optional<HttpResponse<?>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public List<String> headers(String key) {
            return List.of();
        }

        @Override
        public Map<String, List<String>> headers() {
            return Map.of();
        }
    }
}
