package hudson.security;

/** Reduced: the real class also exposes the previous security context. */
public class ACLContext implements AutoCloseable {
    ACLContext() {
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
