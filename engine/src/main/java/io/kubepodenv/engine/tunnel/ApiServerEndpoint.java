package io.kubepodenv.engine.tunnel;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.StandardHttpRequest;
import io.fabric8.kubernetes.client.http.TlsVersion;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How to open a socket to the Kubernetes API server the way the client would, and which headers it would send: the
 * same TLS material ({@link SSLUtils} from the client's {@link Config}) and the same request interceptors
 * (authorization with token refresh, impersonation, custom headers, user agent), so that a connection we open
 * ourselves authenticates exactly as the client's own requests do.
 *
 * <p>Not applicable ({@link #of} is empty) when the client goes through an HTTP proxy: then the client's own
 * websocket carries the port-forward.
 */
final class ApiServerEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServerEndpoint.class);
    private static final Interceptor.RequestTags NO_TAGS = new Interceptor.RequestTags() {
        @Override
        public <T> T getTag(Class<T> type) {
            return null;
        }
    };

    private final URL master;
    private final String host;
    private final int port;
    private final SSLSocketFactory tls;
    private final boolean verifyHostname;
    private final String[] tlsProtocols;
    private final Collection<Interceptor> interceptors;

    private ApiServerEndpoint(URL master, SSLSocketFactory tls, boolean verifyHostname, String[] tlsProtocols,
            Collection<Interceptor> interceptors) {
        this.master = master;
        this.host = master.getHost();
        int p = master.getPort();
        this.port = p > 0 ? p : master.getDefaultPort();
        this.tls = tls;
        this.verifyHostname = verifyHostname;
        this.tlsProtocols = tlsProtocols;
        this.interceptors = interceptors;
    }

    /**
     * The endpoint of {@code client}'s API server, or empty when a connection of our own cannot be made the way the
     * client makes its own (an HTTP proxy is configured, an unknown scheme, TLS material that does not load); the
     * reason is logged at debug level.
     */
    static Optional<ApiServerEndpoint> of(KubernetesClient client) {
        Config config = client.getConfiguration();
        URL master = client.getMasterUrl();
        if (master == null || config == null) {
            return Optional.empty();
        }
        String scheme = master.getProtocol();
        boolean https = "https".equalsIgnoreCase(scheme);
        if (!https && !"http".equalsIgnoreCase(scheme)) {
            LOG.debug("own port-forward connections not used: scheme {}", scheme);
            return Optional.empty();
        }
        String proxy = https ? config.getHttpsProxy() : config.getHttpProxy();
        if (proxy != null && !proxy.isBlank()) {
            LOG.debug("own port-forward connections not used: the client goes through a proxy");
            return Optional.empty();
        }
        SSLSocketFactory factory = null;
        String[] protocols = null;
        if (https) {
            try {
                factory = SSLUtils.sslContext(SSLUtils.keyManagers(config), SSLUtils.trustManagers(config))
                        .getSocketFactory();
            } catch (Exception e) {
                LOG.debug("own port-forward connections not used: TLS material: {}", e.toString());
                return Optional.empty();
            }
            TlsVersion[] versions = config.getTlsVersions();
            if (versions != null && versions.length > 0) {
                protocols = Arrays.stream(versions).map(TlsVersion::javaName).toArray(String[]::new);
            }
        }
        HttpClient.Factory httpFactory = HttpClientUtils.getHttpClientFactory();
        List<Interceptor> interceptors = new ArrayList<>(
                HttpClientUtils.createApplicableInterceptors(config, httpFactory).values());
        boolean verify = !config.isTrustCerts() && !config.isDisableHostnameVerification();
        return Optional.of(new ApiServerEndpoint(master, factory, verify, protocols, interceptors));
    }

    URL master() {
        return master;
    }

    /** {@code host} or {@code host:port}, for the {@code Host} header. */
    String authority() {
        return master.getPort() > 0 ? host + ":" + port : host;
    }

    /**
     * A connected socket, TLS handshake done, with {@code timeout} as its read timeout (the caller resets it).
     * {@code created} gets the plain socket before it connects, so that another thread can close it to end the
     * attempt at once.
     *
     * @return the socket to talk on and the plain TCP socket beneath it (the same for http), which is what to close
     *         to end the connection at once
     */
    Socket[] connect(Duration timeout, java.util.function.Consumer<Socket> created) throws IOException {
        int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        Socket raw = new Socket();
        created.accept(raw);
        try {
            raw.setTcpNoDelay(true);
            raw.setKeepAlive(true);
            raw.connect(new InetSocketAddress(host, port), timeoutMs);
            raw.setSoTimeout(timeoutMs);
            if (tls == null) {
                return new Socket[] {raw, raw};
            }
            SSLSocket ssl = (SSLSocket) tls.createSocket(raw, host, port, true);
            SSLParameters parameters = ssl.getSSLParameters();
            if (verifyHostname) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (tlsProtocols != null) {
                parameters.setProtocols(tlsProtocols);
            }
            ssl.setSSLParameters(parameters);
            ssl.setSoTimeout(timeoutMs);
            ssl.startHandshake();
            return new Socket[] {ssl, raw};
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** The headers the client would send with a request to {@code uri}, its credentials included. */
    Map<String, List<String>> headers(URI uri) {
        StandardHttpRequest.Builder builder = new StandardHttpRequest.Builder();
        builder.uri(uri);
        HttpRequest request = builder.build();
        for (Interceptor interceptor : interceptors) {
            interceptor.before(builder, request, NO_TAGS);
        }
        return builder.build().headers();
    }

    /**
     * After the server answered {@code status} (401 or 403) to a request for {@code uri}: lets the interceptors renew
     * the credentials (an expired token, an exec plugin's short-lived one) as the client does before retrying.
     *
     * @return whether new credentials were obtained, i.e. whether one retry makes sense
     */
    boolean renewCredentials(URI uri, int status, Duration timeout) {
        StandardHttpRequest.Builder builder = new StandardHttpRequest.Builder();
        builder.uri(uri);
        HttpRequest request = builder.build();
        HttpResponse<Object> response = new StatusOnlyResponse(request, status);
        for (Interceptor interceptor : interceptors) {
            try {
                CompletableFuture<Boolean> renewed = interceptor.afterFailure(builder, response, NO_TAGS);
                if (renewed != null && Boolean.TRUE.equals(renewed.get(timeout.toMillis(), TimeUnit.MILLISECONDS))) {
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
