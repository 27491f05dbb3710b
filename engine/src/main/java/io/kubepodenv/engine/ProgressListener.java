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

    /** This listener with {@code masker}'s secrets masked in every line. */
    default ProgressListener masking(io.kubepodenv.engine.config.SecretMasker masker) {
        ProgressListener out = this;
        return new ProgressListener() {
            @Override
            public void progress(String message) {
                out.progress(masker.mask(message));
            }

            @Override
            public void warning(String message) {
                out.warning(masker.mask(message));
            }
        };
    }
}
