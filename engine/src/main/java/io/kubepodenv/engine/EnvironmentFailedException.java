package io.kubepodenv.engine;

/** An operation on the cluster failed (API error, timeout, environment never became ready). */
public class EnvironmentFailedException extends KubePodEnvException {
    private static final long serialVersionUID = 1L;

    public EnvironmentFailedException(String message) {
        super(message);
    }

    public EnvironmentFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
