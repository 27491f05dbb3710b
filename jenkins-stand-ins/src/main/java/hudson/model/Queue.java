package hudson.model;

/** Reduced: only the nested {@code Task} type, itself reduced to a marker. */
public class Queue {
    private Queue() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    /** Reduced: the real interface has the task's scheduling methods. */
    public interface Task {
    }
}
