package io.kubepodenv.engine.sync;

import io.kubepodenv.engine.KubePodEnvException;

/** The mirror could not be made or read back: the pod refused, lacks a tool, or the local tree cannot be read. */
public class SyncException extends KubePodEnvException {
    private static final long serialVersionUID = 1L;

    public SyncException(String message) {
        super(message);
    }

    public SyncException(String message, Throwable cause) {
        super(message, cause);
    }
}
