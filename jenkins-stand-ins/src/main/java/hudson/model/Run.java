package hudson.model;

/** Reduced: the real class extends {@code Actionable} (where getAction and addAction live) and has far more. */
public abstract class Run<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT>> {
    public JobT getParent() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public boolean isBuilding() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public final RunT getPreviousBuildInProgress() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public <T extends Action> T getAction(Class<T> type) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public void addAction(Action a) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public synchronized void save() throws java.io.IOException {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public String getFullDisplayName() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
