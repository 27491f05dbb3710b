package org.jenkinsci.plugins.kubernetes.credentials;

import java.io.IOException;

public interface TokenProducer {
    String getToken(String serviceAddress, String caCertData, boolean skipTlsVerify) throws IOException;
}
