package hudson.remoting;

/** Reduced: the real class is a {@code VirtualChannel} with calls, pipes and properties; the plugin only receives it. */
public class Channel {
    protected Channel() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
