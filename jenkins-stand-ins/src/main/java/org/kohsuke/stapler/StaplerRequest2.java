package org.kohsuke.stapler;

/** Reduced: the real interface extends {@code HttpServletRequest} and has many methods; the plugin passes it on. */
public interface StaplerRequest2 {
}
