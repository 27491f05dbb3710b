package io.kubepodenv.engine.config;

import io.kubepodenv.engine.InvalidInputException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.List;

/** Turns a keystore (as certificate credentials store it) into the PEM pair the Kubernetes client expects. */
public final class ClientCertificates {
    private ClientCertificates() {
    }

    /**
     * The first key entry of {@code keyStore} as a client certificate.
     *
     * @param password the key's password (often the keystore's); may be empty
     * @throws InvalidInputException when the keystore holds no key entry, or the key cannot be read with the password
     */
    public static ClusterCredentials.ClientCertificate fromKeyStore(KeyStore keyStore, char[] password) {
        try {
            for (String alias : Collections.list(keyStore.aliases())) {
                if (!keyStore.isKeyEntry(alias)) {
                    continue;
                }
                Key key = keyStore.getKey(alias, password);
                if (!(key instanceof PrivateKey privateKey)) {
                    continue;
                }
                Certificate[] chain = keyStore.getCertificateChain(alias);
                if (chain == null || chain.length == 0) {
                    throw new InvalidInputException("certificate credentials: the key '" + alias
                        + "' has no certificate");
                }
                StringBuilder certs = new StringBuilder();
                for (Certificate c : List.of(chain)) {
                    certs.append(Pem.encode(c));
                }
                return new ClusterCredentials.ClientCertificate(certs.toString(), Pem.encodePrivateKey(privateKey),
                    privateKey.getAlgorithm());
            }
        } catch (java.security.UnrecoverableKeyException e) {
            throw new InvalidInputException("certificate credentials: the private key cannot be read with the "
                + "credential's password");
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException("certificate credentials: the keystore cannot be read ("
                + e.getClass().getSimpleName() + ")");
        }
        throw new InvalidInputException("certificate credentials: the keystore holds no private key");
    }
}
