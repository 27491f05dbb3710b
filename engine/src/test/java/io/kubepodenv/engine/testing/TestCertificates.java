package io.kubepodenv.engine.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made for a test with the {@code openssl} command: a CA, and keys with certificates it signs for the
 * names a test asks for. Everything is PEM text; keys are EC P-256.
 */
public final class TestCertificates {
    private final Path dir;

    /** A key and the certificate for it, both PEM; {@code legacyKey} is the same key in OpenSSL's own EC format. */
    public record Issued(String certificate, String key, String legacyKey) {
    }

    /** A certificate authority: its certificate (PEM), and what it issues. */
    public final class Authority {
        private final String name;
        public final String certificate;

        private Authority(String name) throws IOException {
            this.name = name;
            openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".crt", "-subj", "/CN=" + name, "-days", "2");
            this.certificate = read(name + ".crt");
        }

        /**
         * A certificate for {@code commonName} with the subject alternative names {@code sans} (e.g. {@code DNS:localhost},
         * {@code IP:127.0.0.1}); none for a client certificate.
         */
        public Issued issue(String file, String commonName, String... sans) throws IOException {
            openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file + ".legacy.key");
            openssl("pkcs8", "-topk8", "-nocrypt", "-in", file + ".legacy.key", "-out", file + ".key");
            openssl("req", "-new", "-key", file + ".key", "-out", file + ".csr", "-subj", "/CN=" + commonName);
            List<String> sign = new ArrayList<>(List.of("x509", "-req", "-in", file + ".csr", "-CA", name + ".crt",
                "-CAkey", name + ".key", "-CAcreateserial", "-out", file + ".crt", "-days", "2"));
            if (sans.length > 0) {
                Files.writeString(dir.resolve(file + ".ext"), "subjectAltName=" + String.join(",", sans) + "\n");
                sign.addAll(List.of("-extfile", file + ".ext"));
            }
            openssl(sign.toArray(new String[0]));
            return new Issued(read(file + ".crt"), read(file + ".key"), read(file + ".legacy.key"));
        }
    }

    public TestCertificates(Path dir) {
        this.dir = dir;
    }

    public Authority authority(String name) throws IOException {
        return new Authority(name);
    }

    private String read(String file) throws IOException {
        return Files.readString(dir.resolve(file), StandardCharsets.US_ASCII);
    }

    private void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl " + args[0] + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: "
                + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
