package io.kubepodenv.engine.tunnel;

/**
 * Finds the pod that currently serves the environment's Docker server. The tunnel asks once per accepted connection,
 * so a replaced pod (restart, rescheduling) is picked up by the next connection without the caller doing anything.
 */
@FunctionalInterface
public interface PodLocator extends AutoCloseable {

    /**
     * The name of a Ready pod, in the tunnel's namespace.
     *
     * @throws NoReadyPodException when there is none; the message says why (missing, pending, not ready, deleted)
     */
    String readyPod();

    /** What this locator looks for, for error messages, e.g. {@code StatefulSet ci/env-abc}. */
    default String describe() {
        return "pod locator";
    }

    /** Releases what the locator holds (a watch); the tunnel calls it when it closes. Nothing by default. */
    @Override
    default void close() {
    }
}
