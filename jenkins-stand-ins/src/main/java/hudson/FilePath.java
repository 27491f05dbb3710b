package hudson;

import hudson.remoting.Callable;
import java.io.IOException;
import java.io.Serializable;

public final class FilePath implements Serializable {
    private static final long serialVersionUID = 1L;

    private FilePath() {
    }

    public String getRemote() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public hudson.model.Computer toComputer() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public <V, E extends Throwable> V act(Callable<V, E> callable) throws IOException, InterruptedException, E {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
