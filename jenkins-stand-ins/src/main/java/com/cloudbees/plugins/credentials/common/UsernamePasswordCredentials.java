package com.cloudbees.plugins.credentials.common;

import com.cloudbees.plugins.credentials.Credentials;
import hudson.util.Secret;

/** Reduced: in the real hierarchy the user name comes from UsernameCredentials. */
public interface UsernamePasswordCredentials extends Credentials {
    String getUsername();

    Secret getPassword();
}
