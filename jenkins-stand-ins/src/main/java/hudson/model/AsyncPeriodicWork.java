package hudson.model;

import java.io.IOException;

/** Reduced to the members the plugin uses. */
public abstract class AsyncPeriodicWork extends PeriodicWork {
    public final String name = null;

    protected AsyncPeriodicWork(String name) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    protected abstract void execute(TaskListener listener) throws IOException, InterruptedException;
}
