package hudson.model;

public abstract class JobProperty<J extends Job<?, ?>> implements Describable<JobProperty<?>> {
    @Override
    public JobPropertyDescriptor getDescriptor() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
