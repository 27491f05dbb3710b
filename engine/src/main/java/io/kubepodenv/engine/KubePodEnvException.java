package io.kubepodenv.engine;

/** Base of every error the engine reports. Messages are written for the user and never contain credentials. */
public class KubePodEnvException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KubePodEnvException(String message) {
        super(message);
    }

    public KubePodEnvException(String message, Throwable cause) {
        super(message, cause);
    }
}
