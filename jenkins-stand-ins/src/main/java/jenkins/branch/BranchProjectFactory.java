package jenkins.branch;

import hudson.ExtensionPoint;
import hudson.model.AbstractDescribableImpl;
import hudson.model.Item;
import hudson.model.Job;
import hudson.model.Run;
import hudson.model.Saveable;
import hudson.model.TopLevelItem;

/** Reduced to the members the plugin calls. */
public abstract class BranchProjectFactory<P extends Job<P, R> & TopLevelItem, R extends Run<P, R>>
    extends AbstractDescribableImpl<BranchProjectFactory<?, ?>> implements Saveable, ExtensionPoint {

    public abstract Branch getBranch(P project);

    public abstract boolean isProject(Item item);

    public P asProject(Item item) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
