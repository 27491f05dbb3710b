package io.kubepodenv.engine.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;

/** Makes real keystores and certificates with the JDK's keytool, so no key material is checked in. */
final class TestCertificates {
    static final char[] PASSWORD = "changeit".toCharArray();

    private TestCertificates() {
    }

    static Path keyStore(Path dir, String keyAlgorithm) throws IOException, InterruptedException {
        Path file = dir.resolve("client-" + keyAlgorithm + ".p12");
        run(List.of(keytool(), "-genkeypair", "-keystore", file.toString(), "-storetype", "PKCS12", "-storepass",
            "changeit", "-keypass", "changeit", "-alias", "client", "-keyalg", keyAlgorithm, "-dname",
            "CN=jenkins,O=system:masters", "-validity", "2"));
        return file;
    }

    static KeyStore load(Path file) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    /** A PEM certificate (self-signed), as a CA certificate field would hold it. */
    static String pemCertificate(Path dir) throws IOException, InterruptedException {
        Path ks = keyStore(dir, "EC");
        Path pem = dir.resolve("ca.pem");
        run(List.of(keytool(), "-exportcert", "-rfc", "-keystore", ks.toString(), "-storepass", "changeit",
            "-alias", "client", "-file", pem.toString()));
        return Files.readString(pem, StandardCharsets.US_ASCII);
    }

    private static String keytool() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("keytool failed: " + out);
        }
    }
}
