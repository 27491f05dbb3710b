package io.kubepodenv.engine;

/** What an environment is doing, as {@code kpe ls} and the Jenkins administrator page show it. */
public enum EnvironmentState {
    /** Not every object of its template was applied: its {@code up} was killed or is still applying. */
    INCOMPLETE,
    /** Its Docker server's pod is ready. */
    READY,
    /** Put to sleep: no pod; its volume claim and data are kept; the next {@code up} wakes it. */
    SLEEPING,
    /** Awake but its pod is not (yet) ready: starting, waking, or failing. */
    NOT_READY;

    /** The word {@code kpe ls} prints. */
    public String display() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
}
