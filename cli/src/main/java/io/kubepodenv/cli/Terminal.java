package io.kubepodenv.cli;

import io.kubepodenv.engine.ProgressListener;
import java.io.PrintWriter;

/** Progress lines on standard error, so that standard output carries only results. */
final class Terminal implements ProgressListener {
    private final PrintWriter err;
    private final boolean quiet;

    Terminal(PrintWriter err, boolean quiet) {
        this.err = err;
        this.quiet = quiet;
    }

    @Override
    public void progress(String message) {
        if (!quiet) {
            err.println("kpe: " + message);
            err.flush();
        }
    }

    @Override
    public void warning(String message) {
        err.println("kpe: warning: " + message);
        err.flush();
    }
}
