package com.cloudbees.plugins.credentials;

import hudson.security.Permission;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.domains.DomainRequirement;
import hudson.ExtensionPoint;
import hudson.model.ItemGroup;
import hudson.model.Run;
import java.util.List;
import org.springframework.security.core.Authentication;

/** Reduced: the real class is also a Describable with many more lookup methods. */
public abstract class CredentialsProvider implements ExtensionPoint {
    public static final Permission USE_ITEM = null;

    public static <C extends Credentials> List<C> lookupCredentialsInItemGroup(Class<C> type, ItemGroup itemGroup,
        Authentication authentication, List<DomainRequirement> domainRequirements) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run,
        DomainRequirement... domainRequirements) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static <C extends Credentials> C track(Run build, C credentials) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
