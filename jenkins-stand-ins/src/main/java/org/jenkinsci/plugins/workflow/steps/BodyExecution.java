package org.jenkinsci.plugins.workflow.steps;

import java.io.Serializable;

/** Reduced: the real class also implements Future. */
public abstract class BodyExecution implements Serializable {
    private static final long serialVersionUID = 1L;
}
