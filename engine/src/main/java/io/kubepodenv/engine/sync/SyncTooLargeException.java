package io.kubepodenv.engine.sync;

import io.kubepodenv.engine.InvalidInputException;

/** The tree to mirror is larger than the configured limit; nothing was sent. */
public final class SyncTooLargeException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public SyncTooLargeException(String message) {
        super(message);
    }
}
