package io.kubepodenv.engine.tunnel;

import java.io.ByteArrayInputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How to reach and authenticate to a Kubernetes API server, in JDK types only: what a {@link DockerTunnel} needs to
 * open port-forwards without a Kubernetes client, e.g. in a JVM that should not load one (a Jenkins agent). Immutable
 * and {@link Serializable}; the canonical constructor checks every component, also on deserialization.
 *
 * <p>Made from a Kubernetes client by {@link KubernetesClientAccess#of}, or directly. The class names no type outside
 * the JDK, not even in a method signature, since deserializing it looks at every method it declares.
 *
 * <p>Secrets (the client key, the header values, the proxy's authorization) are never printed: {@link #toString()}
 * names which are present, not what they are.
 *
 * @param server                the API server's URL, {@code https://host:port} or {@code http://host:port} (a path
 *                              prefix is kept); no user info
 * @param caCertificates        PEM certificates to trust for the server, one or several; empty for the JVM's default
 *                              trust store. When given, only these are trusted, as kubectl does
 * @param clientCertificate     PEM certificate chain of a client certificate, or empty
 * @param clientKey             its private key as PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}: RSA, EC or EdDSA),
 *                              or empty; given with {@code clientCertificate} or not at all
 * @param headers               request headers sent with every port-forward upgrade, e.g. {@code Authorization} with a
 *                              bearer token or basic credentials, impersonation headers, {@code User-Agent}
 * @param tlsServerName         the name the server's certificate must carry, and the name sent in SNI, when it is not
 *                              the host of {@code server} (a kubeconfig's {@code tls-server-name}); empty otherwise
 * @param insecureSkipTlsVerify whether the server's certificate is not checked at all (a kubeconfig's
 *                              {@code insecure-skip-tls-verify}); only ever true when the configuration says so
 * @param proxy                 an {@code http://} (CONNECT) or {@code socks5://} proxy to reach the server through, or
 *                              null; no user info (see {@code proxyAuthorization})
 * @param proxyAuthorization    value of the {@code Proxy-Authorization} header for an HTTP proxy, or empty
 * @param refreshingCredentials whether the credentials these headers were copied from renew themselves (an exec
 *                              plugin, an auth provider such as OIDC, a token file): then a copy may expire, and a
 *                              caller that keeps one for long should take a fresh one
 */
public record ApiServerAccess(
        URI server,
        String caCertificates,
        String clientCertificate,
        String clientKey,
        Map<String, List<String>> headers,
        String tlsServerName,
        boolean insecureSkipTlsVerify,
        URI proxy,
        String proxyAuthorization,
        boolean refreshingCredentials) implements Serializable {

    private static final long serialVersionUID = 1L;

    public ApiServerAccess {
        Objects.requireNonNull(server, "server");
        String scheme = server.getScheme() == null ? "" : server.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || server.getHost() == null) {
            throw new IllegalArgumentException("API server URL: '" + server.getScheme() + "://" + server.getHost()
                    + "...' is not an http or https URL with a host");
        }
        if (server.getRawUserInfo() != null) {
            throw new IllegalArgumentException("API server URL: must not carry user info; send credentials as"
                    + " headers");
        }
        caCertificates = orEmpty(caCertificates);
        clientCertificate = orEmpty(clientCertificate);
        clientKey = orEmpty(clientKey);
        tlsServerName = orEmpty(tlsServerName).trim();
        proxyAuthorization = orEmpty(proxyAuthorization);
        if (!caCertificates.isEmpty()) {
            certificates("CA certificates", caCertificates);
        }
        if (clientCertificate.isEmpty() != clientKey.isEmpty()) {
            throw new IllegalArgumentException("client certificate: a certificate and its key are given together or"
                    + " not at all");
        }
        if (!clientCertificate.isEmpty()) {
            certificates("client certificate", clientCertificate);
            privateKey(clientKey);
        }
        headers = copyHeaders(headers);
        if (!tlsServerName.isEmpty() && (tlsServerName.indexOf('/') >= 0 || tlsServerName.indexOf(' ') >= 0)) {
            throw new IllegalArgumentException("tls-server-name: '" + tlsServerName + "' is not a host name");
        }
        if (proxy != null) {
            String proxyScheme = proxy.getScheme() == null ? "" : proxy.getScheme().toLowerCase(Locale.ROOT);
            if (!proxyScheme.equals("http") && !proxyScheme.equals("socks5") || proxy.getHost() == null) {
                throw new IllegalArgumentException("proxy: '" + proxy.getScheme() + "://" + proxy.getHost()
                        + "...' is not an http:// or socks5:// URL with a host");
            }
            if (proxy.getRawUserInfo() != null) {
                throw new IllegalArgumentException("proxy URL: must not carry user info; give proxyAuthorization");
            }
        }
        if (!proxyAuthorization.isEmpty() && (proxy == null || !"http".equalsIgnoreCase(proxy.getScheme()))) {
            throw new IllegalArgumentException("proxy authorization: only for an http:// proxy");
        }
        if (proxyAuthorization.indexOf('\r') >= 0 || proxyAuthorization.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("proxy authorization: must be one line");
        }
    }

    /** The same access with other request headers (e.g. freshly resolved credentials). */
    public ApiServerAccess withHeaders(Map<String, List<String>> newHeaders) {
        return new ApiServerAccess(server, caCertificates, clientCertificate, clientKey, newHeaders, tlsServerName,
                insecureSkipTlsVerify, proxy, proxyAuthorization, refreshingCredentials);
    }

    /** The certificates of {@link #caCertificates()}, in order; empty when none are given. */
    List<X509Certificate> caCertificateList() {
        return caCertificates.isEmpty() ? List.of() : certificates("CA certificates", caCertificates);
    }

    List<X509Certificate> clientCertificateChain() {
        return clientCertificate.isEmpty() ? List.of() : certificates("client certificate", clientCertificate);
    }

    PrivateKey clientPrivateKey() {
        return clientKey.isEmpty() ? null : privateKey(clientKey);
    }

    @Override
    public String toString() {
        return "ApiServerAccess[server=" + server
                + ", caCertificates=" + (caCertificates.isEmpty() ? "the JVM's" : caCertificateList().size())
                + ", clientCertificate=" + (clientCertificate.isEmpty() ? "none" : "given")
                + ", headers=" + headers.keySet() + " (values not shown)"
                + (tlsServerName.isEmpty() ? "" : ", tlsServerName=" + tlsServerName)
                + (insecureSkipTlsVerify ? ", insecureSkipTlsVerify" : "")
                + (proxy == null ? "" : ", proxy=" + proxy.getScheme() + "://" + proxy.getHost() + ":"
                        + proxy.getPort() + (proxyAuthorization.isEmpty() ? "" : " (with authorization)"))
                + (refreshingCredentials ? ", refreshingCredentials" : "") + "]";
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static Map<String, List<String>> copyHeaders(Map<String, List<String>> headers) {
        if (headers == null) {
            return Map.of();
        }
        Map<String, List<String>> copy = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            String name = Objects.requireNonNull(header.getKey(), "header name");
            if (!isToken(name)) {
                throw new IllegalArgumentException("header '" + name + "': not a valid HTTP header name");
            }
            List<String> values = new ArrayList<>();
            for (String value : Objects.requireNonNull(header.getValue(), "values of header " + name)) {
                if (value == null || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("header '" + name + "': a value is missing or spans lines");
                }
                values.add(value);
            }
            copy.put(name, List.copyOf(values));
        }
        return Map.copyOf(copy);
    }

    static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static List<X509Certificate> certificates(String what, String pem) {
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException(what + ": not PEM (expected -----BEGIN CERTIFICATE-----)");
        }
        try {
            List<X509Certificate> certificates = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                certificates.add((X509Certificate) c);
            }
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(what + ": no certificate found");
            }
            return List.copyOf(certificates);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(what + ": not a valid PEM certificate (" + e.getMessage() + ")");
        }
    }

    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";

    /** A PKCS#8 key; the messages never quote the key. */
    private static PrivateKey privateKey(String pem) {
        int begin = pem.indexOf(KEY_BEGIN);
        int end = pem.indexOf(KEY_END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("client key: not PKCS#8 PEM (expected " + KEY_BEGIN + ")");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + KEY_BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("client key: the PEM body is not base64");
        }
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("client key: not an RSA, EC or EdDSA key in PKCS#8");
    }
}
