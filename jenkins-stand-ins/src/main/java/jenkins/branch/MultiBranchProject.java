package jenkins.branch;

import com.cloudbees.hudson.plugins.folder.computed.ComputedFolder;
import hudson.model.Job;
import hudson.model.Run;
import hudson.model.TopLevelItem;

/** Reduced: the real class also implements SCMSourceOwner and IconSpec. */
public abstract class MultiBranchProject<P extends Job<P, R> & TopLevelItem, R extends Run<P, R>>
    extends ComputedFolder<P> {
    public BranchProjectFactory<P, R> getProjectFactory() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
