package io.kubepodenv.engine.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Opens sockets to the Kubernetes API server as an {@link ApiServerAccess} describes (JDK types only): through its
 * proxy if it names one, with TLS that trusts exactly its CA certificates (or the JVM's when it names none), checks that
 * the server's certificate is for the server's host, or for its {@code tls-server-name}, unless it says
 * {@code insecure-skip-tls-verify}, and presents its client certificate; and says which headers to send
 * ({@link ApiServerCredentials}).
 */
final class ApiServerEndpoint {
    private static final int MAX_PROXY_HEAD = 16 * 1024;

    private final ApiServerAccess access;
    private final ApiServerCredentials credentials;
    private final String host;
    private final int port;
    private final String serverName;
    private final SSLSocketFactory tls;

    /**
     * @throws TunnelException when the TLS material cannot be used (the message never quotes it)
     */
    ApiServerEndpoint(ApiServerAccess access, ApiServerCredentials credentials) {
        this.access = access;
        this.credentials = credentials;
        URI server = access.server();
        boolean https = "https".equalsIgnoreCase(server.getScheme());
        this.host = server.getHost();
        this.port = server.getPort() > 0 ? server.getPort() : https ? 443 : 80;
        this.serverName = access.tlsServerName().isEmpty() ? host : access.tlsServerName();
        this.tls = https ? socketFactory(access) : null;
    }

    private static SSLSocketFactory socketFactory(ApiServerAccess access) {
        try {
            TrustManager[] trust;
            if (access.insecureSkipTlsVerify()) {
                trust = new TrustManager[] {new AnyServer()};
            } else {
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                List<X509Certificate> cas = access.caCertificateList();
                if (cas.isEmpty()) {
                    factory.init((KeyStore) null);
                } else {
                    KeyStore store = KeyStore.getInstance("PKCS12");
                    store.load(null, null);
                    for (int i = 0; i < cas.size(); i++) {
                        store.setCertificateEntry("ca-" + i, cas.get(i));
                    }
                    factory.init(store);
                }
                trust = factory.getTrustManagers();
            }
            KeyManager[] keys = null;
            PrivateKey key = access.clientPrivateKey();
            if (key != null) {
                char[] password = new char[0];
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("client", key, password,
                        access.clientCertificateChain().toArray(new X509Certificate[0]));
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, password);
                keys = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new TunnelException("the TLS material for the Kubernetes API at " + access.server()
                    + " cannot be used: " + e.getClass().getSimpleName());
        }
    }

    ApiServerAccess access() {
        return access;
    }

    URI server() {
        return access.server();
    }

    /** {@code host} or {@code host:port}, for the {@code Host} header. */
    String authority() {
        return access.server().getPort() > 0 ? host + ":" + port : host;
    }

    /** The URL of the port-forward to {@code port} of {@code pod} in {@code namespace}. */
    URI portForward(String namespace, String pod, int remotePort) {
        String base = access.server().toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/api/v1/namespaces/" + segment(namespace) + "/pods/" + segment(pod)
                + "/portforward?ports=" + remotePort);
    }

    /** The exec of {@code command} in {@code container}, with stdout and stderr, and stdin if {@code stdin}. */
    URI exec(String namespace, String pod, String container, List<String> command, boolean stdin) {
        String base = access.server().toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        StringBuilder query = new StringBuilder();
        for (String arg : command) {
            query.append("command=").append(segment(arg)).append('&');
        }
        query.append("container=").append(segment(container)).append("&stdin=").append(stdin)
                .append("&stdout=true&stderr=true&tty=false");
        return URI.create(base + "/api/v1/namespaces/" + segment(namespace) + "/pods/" + segment(pod) + "/exec?"
                + query);
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * A connected socket, proxy passed and TLS handshake done, with {@code timeout} as its read timeout (the caller
     * resets it). {@code created} gets the plain socket before it connects, so that another thread can close it to end
     * the attempt at once.
     *
     * @return the socket to talk on and the plain TCP socket beneath it (the same for http), which is what to close
     *         to end the connection at once
     */
    Socket[] connect(Duration timeout, Consumer<Socket> created) throws IOException {
        int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        URI proxy = access.proxy();
        boolean socks = proxy != null && "socks5".equalsIgnoreCase(proxy.getScheme());
        Socket raw = socks ? new Socket(new Proxy(Proxy.Type.SOCKS, new InetSocketAddress(proxy.getHost(),
                proxy.getPort() > 0 ? proxy.getPort() : 1080))) : new Socket();
        created.accept(raw);
        try {
            raw.setTcpNoDelay(true);
            raw.setKeepAlive(true);
            raw.setSoTimeout(timeoutMs);
            if (proxy == null) {
                raw.connect(new InetSocketAddress(host, port), timeoutMs);
            } else if (socks) {
                raw.connect(InetSocketAddress.createUnresolved(host, port), timeoutMs);
            } else {
                raw.connect(new InetSocketAddress(proxy.getHost(), proxy.getPort() > 0 ? proxy.getPort() : 80),
                        timeoutMs);
                tunnelThroughProxy(raw);
            }
            if (tls == null) {
                return new Socket[] {raw, raw};
            }
            SSLSocket ssl = (SSLSocket) tls.createSocket(raw, serverName, port, true);
            SSLParameters parameters = ssl.getSSLParameters();
            if (!access.insecureSkipTlsVerify()) {
                // checks the certificate's names (DNS or IP SANs) against serverName, as kubectl does
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
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

    /** An HTTP CONNECT to the API server through the proxy; the socket then carries the server's bytes. */
    private void tunnelThroughProxy(Socket raw) throws IOException {
        StringBuilder request = new StringBuilder(256)
                .append("CONNECT ").append(host).append(':').append(port).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append(':').append(port).append("\r\n");
        if (!access.proxyAuthorization().isEmpty()) {
            request.append("Proxy-Authorization: ").append(access.proxyAuthorization()).append("\r\n");
        }
        request.append("\r\n");
        OutputStream out = raw.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = raw.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream(256);
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the proxy " + access.proxy().getHost() + " closed the connection before"
                        + " answering CONNECT");
            }
            if (head.size() >= MAX_PROXY_HEAD) {
                throw new IOException("the proxy's answer to CONNECT has a head over " + MAX_PROXY_HEAD + " bytes");
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String statusLine = head.toString(StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].toUpperCase(Locale.ROOT).startsWith("HTTP/") || !parts[1].equals("200")) {
            throw new IOException("the proxy " + access.proxy().getHost() + " refused CONNECT to " + host + ":" + port
                    + ": " + statusLine);
        }
    }

    /** The headers to send with a request to {@code uri}, credentials included. */
    Map<String, List<String>> headers(URI uri) {
        return credentials.headers(uri);
    }

    /** See {@link ApiServerCredentials#renew}. */
    boolean renewCredentials(URI uri, int status, Duration timeout) {
        return credentials.renew(uri, status, timeout);
    }

    /** Accepts any server certificate: only for {@code insecure-skip-tls-verify}. */
    private static final class AnyServer implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
