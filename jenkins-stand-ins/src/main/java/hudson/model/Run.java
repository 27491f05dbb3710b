package hudson.model;

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

    public String getFullDisplayName() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
