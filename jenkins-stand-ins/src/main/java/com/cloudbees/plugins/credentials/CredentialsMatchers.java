package com.cloudbees.plugins.credentials;

import java.util.Collection;

public class CredentialsMatchers {
    private CredentialsMatchers() {
    }

    public static CredentialsMatcher instanceOf(Class clazz) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static CredentialsMatcher withId(String id) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static CredentialsMatcher anyOf(CredentialsMatcher... matchers) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static <C extends Credentials> C firstOrNull(Iterable<C> credentials, CredentialsMatcher matcher) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
