package io.kubepodenv.engine;

/** An operation on an existing environment (wake, sleep) found no environment of the key. */
public class EnvironmentNotFoundException extends EnvironmentFailedException {
    private static final long serialVersionUID = 1L;

    public EnvironmentNotFoundException(String message) {
        super(message);
    }
}
