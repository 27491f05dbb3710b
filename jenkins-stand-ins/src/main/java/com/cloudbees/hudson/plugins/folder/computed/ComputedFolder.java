package com.cloudbees.hudson.plugins.folder.computed;

import com.cloudbees.hudson.plugins.folder.AbstractFolder;
import hudson.model.TopLevelItem;

/** Reduced: the plugin only needs the type, as the superclass of multibranch projects. */
public abstract class ComputedFolder<I extends TopLevelItem> extends AbstractFolder<I> {
}
