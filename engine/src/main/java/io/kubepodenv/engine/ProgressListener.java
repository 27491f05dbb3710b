package io.kubepodenv.engine;

/**
 * Where the engine reports what it is doing. Each face adapts it: the command line prints to the terminal, the
 * Jenkins plugin writes to the build log, tests collect the lines.
 */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that drops everything. */
    ProgressListener NONE = message -> { };

    /** One line of progress, without a trailing newline. */
    void progress(String message);

    /** Something the user should know about although the operation goes on. */
    default void warning(String message) {
        progress("warning: " + message);
    }
}
