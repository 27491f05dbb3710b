package hudson.model;

import hudson.ExtensionPoint;

/** Reduced: the real class extends jenkins.util.SafeTimerTask, which the plugin does not use directly. */
public abstract class PeriodicWork implements ExtensionPoint {
    protected static final long MIN = 1000 * 60;
    protected static final long HOUR = 60 * MIN;
    protected static final long DAY = 24 * HOUR;

    public abstract long getRecurrencePeriod();

    public long getInitialDelay() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
