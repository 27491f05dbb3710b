package io.kubepodenv.engine;

/**
 * The key's lock was still held by another operation when the wait for it ended: that operation (an {@code up}, a
 * {@code down}, a sleep) is working on the environment right now.
 */
public class EnvironmentLockedException extends EnvironmentFailedException {
    private static final long serialVersionUID = 1L;

    private final String holder;

    /**
     * @param holder who holds the lock, as it named itself when it took it
     */
    public EnvironmentLockedException(String message, String holder) {
        super(message);
        this.holder = holder;
    }

    /** Who holds the lock (e.g. "jenkins.example.com job/PR-12 #4"). */
    public String holder() {
        return holder;
    }
}
