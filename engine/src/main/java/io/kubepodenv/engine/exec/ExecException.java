package io.kubepodenv.engine.exec;

import io.kubepodenv.engine.KubePodEnvException;

/** A command could not be run in the pod (refused, pod or container missing, connection broken, timeout). */
public class ExecException extends KubePodEnvException {
    private static final long serialVersionUID = 1L;

    public ExecException(String message) {
        super(message);
    }

    public ExecException(String message, Throwable cause) {
        super(message, cause);
    }
}
