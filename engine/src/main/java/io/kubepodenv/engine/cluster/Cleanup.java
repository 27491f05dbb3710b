package io.kubepodenv.engine.cluster;

/**
 * Runs cleanup after an interruption. An aborted build or a killed command interrupts the thread that was waiting;
 * the Kubernetes client fails every call made on an interrupted thread at once, so a cleanup made there would delete
 * nothing. The cleanup runs with the interrupt cleared (it is bounded by its own timeouts) and the interrupt is
 * restored afterwards, so the caller still stops.
 */
public final class Cleanup {
    private Cleanup() {
    }

    public static void despiteInterrupt(Runnable cleanup) {
        boolean interrupted = Thread.interrupted();
        try {
            cleanup.run();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
