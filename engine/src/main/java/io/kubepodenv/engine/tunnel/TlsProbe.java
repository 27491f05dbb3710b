package io.kubepodenv.engine.tunnel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Tells whether a TLS server answers at an address, without client certificates: the liveness check for a Docker
 * server that requires TLS. No request is sent and the server's certificate is not judged (the Docker client does
 * that, with the user's certificates); a handshake that completes, or that the server ends with a TLS alert (it wants
 * a client certificate), both prove a TLS server is there. Anything else (a refused connection, the tunnel's plain
 * HTTP error answer, silence) does not.
 */
public final class TlsProbe {
    private TlsProbe() {
    }

    /** @throws IOException when no TLS server answered */
    public static void probe(InetSocketAddress address, Duration timeout) throws IOException {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket raw = new Socket()) {
            raw.connect(address, millis);
            raw.setSoTimeout(millis);
            try (SSLSocket tls = (SSLSocket) context().getSocketFactory().createSocket(raw,
                address.getHostString(), address.getPort(), false)) {
                tls.startHandshake();
            } catch (SSLHandshakeException e) {
                String message = String.valueOf(e.getMessage());
                if (!message.contains("Received fatal alert")) {
                    throw new IOException("no TLS server answered: " + message, e);
                }
            }
        }
    }

    private static SSLContext context() throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AnyServer()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("no TLS support in this JVM: " + e.getMessage(), e);
        }
    }

    /** Accepts any server certificate: the probe only asks whether a TLS server answers, and sends nothing. */
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
