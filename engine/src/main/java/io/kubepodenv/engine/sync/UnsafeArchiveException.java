package io.kubepodenv.engine.sync;

/**
 * An archive entry that would write outside the directory it is extracted into: a name with {@code ..} or an
 * absolute name, a link whose target leaves the tree, or an entry below a symbolic link. Nothing of it was written.
 */
public final class UnsafeArchiveException extends SyncException {
    private static final long serialVersionUID = 1L;

    public UnsafeArchiveException(String message) {
        super(message);
    }
}
