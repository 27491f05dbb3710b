package jenkins.branch;

import jenkins.scm.api.SCMHead;

/** Reduced to the members the plugin calls. */
public class Branch {
    private Branch() {
    }

    public String getSourceId() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public SCMHead getHead() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static class Dead extends Branch {
        private Dead() {
        }
    }
}
