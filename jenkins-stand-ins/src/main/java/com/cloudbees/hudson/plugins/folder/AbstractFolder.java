package com.cloudbees.hudson.plugins.folder;

import hudson.model.ItemGroup;
import hudson.model.TopLevelItem;
import hudson.util.DescribableList;

/** Reduced: the real class is an AbstractItem with views, health metrics and more. */
public abstract class AbstractFolder<I extends TopLevelItem> implements ItemGroup<I>, TopLevelItem {
    public DescribableList<AbstractFolderProperty<?>, AbstractFolderPropertyDescriptor> getProperties() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
