package jenkins.tasks;

import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildWrapper;
import java.io.IOException;
import java.io.Serializable;

/** Reduced: the real class also has the logger decorator, the pre-checkout option and the AbstractBuild bridge. */
public abstract class SimpleBuildWrapper extends BuildWrapper {
    public boolean requiresWorkspace() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public void setUp(Context context, Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener,
        EnvVars initialEnvironment) throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public void setUp(Context context, Run<?, ?> build, TaskListener listener, EnvVars initialEnvironment)
        throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static final class Context {
        private Context() {
        }

        public void env(String key, String value) {
        throw new UnsupportedOperationException("compile-only stand-in");
        }

        public void setDisposer(Disposer disposer) {
        throw new UnsupportedOperationException("compile-only stand-in");
        }
    }

    public abstract static class Disposer implements Serializable {
        private static final long serialVersionUID = 1L;

        public void tearDown(Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener)
            throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only stand-in");
        }

        public void tearDown(Run<?, ?> build, TaskListener listener) throws IOException, InterruptedException {
        throw new UnsupportedOperationException("compile-only stand-in");
        }
    }
}
