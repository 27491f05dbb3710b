package jenkins.scm.api;

import hudson.model.Item;
import java.io.Serializable;

public class SCMHead implements Comparable<SCMHead>, Serializable {
    private static final long serialVersionUID = 1L;

    public SCMHead(String name) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public String getName() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    @Override
    public int compareTo(SCMHead o) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public abstract static class HeadByItem implements hudson.ExtensionPoint {
        public static SCMHead findHead(Item item) {
            throw new UnsupportedOperationException("compile-only stand-in");
        }
    }
}
