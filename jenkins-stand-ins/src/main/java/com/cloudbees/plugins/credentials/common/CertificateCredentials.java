package com.cloudbees.plugins.credentials.common;

import com.cloudbees.plugins.credentials.Credentials;
import hudson.util.Secret;
import java.security.KeyStore;

public interface CertificateCredentials extends Credentials {
    KeyStore getKeyStore();

    Secret getPassword();
}
