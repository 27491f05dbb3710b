package hudson.model;

import hudson.FilePath;

/** Reduced: the real class is a describable model object with labels, executors and much more. */
public abstract class Node {
    protected Node() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public abstract FilePath getRootPath();
}
