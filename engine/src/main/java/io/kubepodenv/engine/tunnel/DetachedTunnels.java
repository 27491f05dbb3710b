package io.kubepodenv.engine.tunnel;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Tunnels that outlive the call that opened them (a Jenkins agent's tunnel, opened by one remote call and closed by
 * another, possibly from a controller that restarted meanwhile). Each is held by a daemon thread named after its id,
 * which closes it when {@link #close} interrupts it or after its maximum lifetime.
 *
 * <p>The JVM's threads are the registry on purpose: no static map that a second copy of this class (loaded again by a
 * new class loader after a reconnect) would not see, and nothing in the system properties. Uses only JDK classes.
 */
public final class DetachedTunnels {
    private static final String THREAD_PREFIX = "kube-pod-env tunnel ";

    private DetachedTunnels() {
    }

    /**
     * Hands {@code tunnel} to a new daemon thread that closes it when {@link #close}d or after {@code maxLifetime}.
     *
     * @throws IllegalStateException when a tunnel with this id is already held in this JVM
     */
    public static void hold(String id, AutoCloseable tunnel, Duration maxLifetime) {
        Objects.requireNonNull(tunnel, "tunnel");
        if (isOpen(id)) {
            throw new IllegalStateException("a tunnel with id " + id + " is already open in this JVM");
        }
        Thread holder = new Thread(() -> {
            try {
                Thread.sleep(maxLifetime.toMillis()); // bounded; interrupted by close()
            } catch (InterruptedException e) {
                // close() asked: close now
            } finally {
                try {
                    tunnel.close();
                } catch (Exception e) {
                    // Nothing is left to tell: the thread ends, and with it the tunnel's registration.
                }
            }
        }, THREAD_PREFIX + id);
        holder.setDaemon(true);
        holder.start();
    }

    /** Whether the tunnel {@code id} is held in this JVM. */
    public static boolean isOpen(String id) {
        return holder(id).isPresent();
    }

    /**
     * Closes the tunnel {@code id} and waits for it to be closed.
     *
     * @return true if it was open; closing an unknown or already closed tunnel is not an error
     * @throws TimeoutException when it is not closed within {@code wait}
     */
    public static boolean close(String id, Duration wait) throws InterruptedException, TimeoutException {
        Optional<Thread> holder = holder(id);
        if (holder.isEmpty()) {
            return false;
        }
        holder.get().interrupt();
        holder.get().join(Math.max(1, wait.toMillis()));
        if (holder.get().isAlive()) {
            throw new TimeoutException("the Docker tunnel " + id + " did not close within " + wait.toSeconds() + " s");
        }
        return true;
    }

    private static Optional<Thread> holder(String id) {
        Objects.requireNonNull(id, "id");
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        return Arrays.stream(threads, 0, n).filter(t -> t.isAlive() && t.getName().equals(THREAD_PREFIX + id))
            .findFirst();
    }
}
