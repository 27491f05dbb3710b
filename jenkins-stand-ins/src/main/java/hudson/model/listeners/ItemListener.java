package hudson.model.listeners;

import hudson.ExtensionPoint;
import hudson.model.Item;

/** Reduced to the callbacks the plugin overrides. */
public class ItemListener implements ExtensionPoint {
    public void onDeleted(Item item) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public void onLocationChanged(Item item, String oldFullName, String newFullName) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
