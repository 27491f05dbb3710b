package io.kubepodenv.engine;

/**
 * Bad options or a bad template. Thrown before anything is sent to the cluster, so nothing needs cleaning up.
 * The command line maps it to exit code 2.
 */
public class InvalidInputException extends KubePodEnvException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
