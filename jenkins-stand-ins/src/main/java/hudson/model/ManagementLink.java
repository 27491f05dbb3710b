package hudson.model;

import hudson.ExtensionPoint;
import hudson.security.Permission;

/**
 * Reduced: declares {@code getDisplayName} itself (the real class gets it from {@code Action}, reduced here), and
 * leaves out the members the plugin does not use.
 */
public abstract class ManagementLink implements ExtensionPoint, Action {
    public abstract String getIconFileName();

    public abstract String getDisplayName();

    public String getDescription() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public abstract String getUrlName();

    public Permission getRequiredPermission() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public Category getCategory() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    /** The section of Manage Jenkins (reduced: no labels). */
    public enum Category {
        CONFIGURATION, SECURITY, STATUS, TROUBLESHOOTING, TOOLS, MISC, UNCATEGORIZED
    }
}
