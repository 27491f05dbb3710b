package hudson.model.queue;

import hudson.model.Queue;
import org.springframework.security.core.Authentication;

/** Reduced: only the method the plugin calls. */
public final class Tasks {
    private Tasks() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public static Authentication getAuthenticationOf2(Queue.Task t) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
