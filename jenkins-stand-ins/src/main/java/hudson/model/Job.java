package hudson.model;

public abstract class Job<JobT extends Job<JobT, RunT>, RunT extends Run<JobT, RunT>> implements Item {
    public <T extends JobProperty> T getProperty(Class<T> clazz) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public RunT getLastBuild() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
