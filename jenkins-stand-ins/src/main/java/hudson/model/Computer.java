package hudson.model;

/** Reduced: the real class is an {@code Actionable} with executors, channel and much more. */
public abstract class Computer {
    protected Computer() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public String getName() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public Node getNode() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
