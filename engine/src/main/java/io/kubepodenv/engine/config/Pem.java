package io.kubepodenv.engine.config;

import io.kubepodenv.engine.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/** PEM encoding and decoding for certificates and keys, with messages that never quote key material. */
public final class Pem {
    private Pem() {
    }

    /**
     * Normalises a CA certificate as users paste it: PEM text, or PEM that was base64-encoded once more (as in a
     * kubeconfig's {@code certificate-authority-data}). Returns PEM text.
     *
     * @param what names the field in messages
     */
    public static String normalizeCertificates(String what, String text) {
        certificates(what, text);
        String t = text.strip();
        return t.contains("-----BEGIN") ? t + "\n" : new String(Base64.getMimeDecoder().decode(t),
            StandardCharsets.UTF_8);
    }

    /** Parses PEM (or base64 of PEM) certificates; at least one. */
    public static List<Certificate> certificates(String what, String text) {
        String t = text == null ? "" : text.strip();
        if (!t.contains("-----BEGIN")) {
            try {
                t = new String(Base64.getMimeDecoder().decode(t), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(what + ": not a PEM certificate (expected -----BEGIN CERTIFICATE-----)");
            }
        }
        if (!t.contains("-----BEGIN CERTIFICATE-----")) {
            throw new InvalidInputException(what + ": not a PEM certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(t.getBytes(StandardCharsets.US_ASCII)));
            if (certs.isEmpty()) {
                throw new InvalidInputException(what + ": no certificate found");
            }
            return new ArrayList<>(certs);
        } catch (CertificateException e) {
            throw new InvalidInputException(what + ": not a valid PEM certificate (" + e.getMessage() + ")");
        }
    }

    public static String encode(Certificate certificate) {
        try {
            return block("CERTIFICATE", certificate.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new InvalidInputException("certificate: cannot be encoded (" + e.getMessage() + ")");
        }
    }

    /** PKCS#8 {@code PRIVATE KEY} PEM of a key. */
    public static String encodePrivateKey(Key key) {
        if (key.getEncoded() == null || !"PKCS#8".equals(key.getFormat())) {
            throw new InvalidInputException("private key: its format (" + key.getFormat() + ") cannot be exported; a "
                + "PKCS#12 keystore with an exportable RSA or EC key is needed");
        }
        return block("PRIVATE KEY", key.getEncoded());
    }

    static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    private static String block(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
