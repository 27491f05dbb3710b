package hudson.model.listeners;

import hudson.ExtensionPoint;
import hudson.model.Run;

/** Reduced to the constructors and callbacks the plugin uses. */
public abstract class RunListener<R extends Run> implements ExtensionPoint {
    public final Class<R> targetType = null;

    protected RunListener(Class<R> targetType) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    protected RunListener() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public void onFinalized(R r) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
