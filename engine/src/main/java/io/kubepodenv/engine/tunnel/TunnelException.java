package io.kubepodenv.engine.tunnel;

import io.kubepodenv.engine.KubePodEnvException;

/** The tunnel could not be opened, or a connection through it could not reach the pod. */
public class TunnelException extends KubePodEnvException {
    private static final long serialVersionUID = 1L;

    public TunnelException(String message) {
        super(message);
    }

    public TunnelException(String message, Throwable cause) {
        super(message, cause);
    }
}
