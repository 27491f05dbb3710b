package io.kubepodenv.engine.config;

import io.kubepodenv.engine.InvalidInputException;
import java.io.Serializable;

/**
 * How to authenticate to the API server, as plain values extracted from a stored credential. Every variant's
 * {@code toString()} hides its secret, so a credential printed by mistake leaks nothing.
 */
public sealed interface ClusterCredentials extends Serializable {

    /** A short description without any secret: "bearer token", "kubeconfig", ... */
    String describe();

    /** The secret strings of this credential, for {@link SecretMasker}. */
    java.util.List<String> secrets();

    /** A bearer token (a service account token, an OIDC id token). */
    record Token(String token) implements ClusterCredentials {
        private static final long serialVersionUID = 1L;

        public Token {
            if (token == null || token.isBlank()) {
                throw new InvalidInputException("token credentials: the token is empty");
            }
            token = token.strip();
        }

        @Override
        public String describe() {
            return "bearer token";
        }

        @Override
        public java.util.List<String> secrets() {
            return java.util.List.of(token);
        }

        @Override
        public String toString() {
            return "Token[****]";
        }
    }

    /**
     * A whole kubeconfig file. Only self-contained kubeconfigs are accepted (see {@link KubeconfigPolicy}): no
     * commands to run, no files to read on the machine that uses it.
     *
     * @param text the kubeconfig's YAML
     * @param context the context to use; empty: its current context
     */
    record Kubeconfig(String text, String context) implements ClusterCredentials {
        private static final long serialVersionUID = 1L;

        public Kubeconfig {
            if (text == null || text.isBlank()) {
                throw new InvalidInputException("kubeconfig credentials: the file is empty");
            }
            context = Blanks.orEmpty(context);
        }

        @Override
        public String describe() {
            return context.isEmpty() ? "kubeconfig" : "kubeconfig (context " + context + ")";
        }

        @Override
        public java.util.List<String> secrets() {
            return KubeconfigPolicy.secretsOf(text);
        }

        @Override
        public String toString() {
            return "Kubeconfig[****]";
        }
    }

    /**
     * A client certificate and its private key, both PEM.
     *
     * @param certificatePem the certificate chain, leaf first
     * @param privateKeyPem the private key (PKCS#8)
     * @param keyAlgorithm {@code RSA} or {@code EC}
     */
    record ClientCertificate(String certificatePem, String privateKeyPem, String keyAlgorithm)
        implements ClusterCredentials {
        private static final long serialVersionUID = 1L;

        public ClientCertificate {
            if (certificatePem == null || certificatePem.isBlank() || privateKeyPem == null
                || privateKeyPem.isBlank()) {
                throw new InvalidInputException("certificate credentials: both a certificate and its private key are "
                    + "needed");
            }
        }

        @Override
        public String describe() {
            return "client certificate";
        }

        @Override
        public java.util.List<String> secrets() {
            return java.util.List.of(privateKeyPem);
        }

        @Override
        public String toString() {
            return "ClientCertificate[****]";
        }
    }

    /** HTTP basic authentication (rare on modern clusters, still found on some on-premises ones). */
    record UsernamePassword(String username, String password) implements ClusterCredentials {
        private static final long serialVersionUID = 1L;

        public UsernamePassword {
            if (username == null || username.isBlank()) {
                throw new InvalidInputException("user name and password credentials: the user name is empty");
            }
            if (password == null || password.isEmpty()) {
                throw new InvalidInputException("user name and password credentials: the password is empty");
            }
        }

        @Override
        public String describe() {
            return "user name and password (" + username + ")";
        }

        @Override
        public java.util.List<String> secrets() {
            return java.util.List.of(password);
        }

        @Override
        public String toString() {
            return "UsernamePassword[" + username + ", ****]";
        }
    }
}
