package io.kubepodenv.engine.lifecycle;

import io.kubepodenv.engine.EnvironmentKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Deletions waiting for the builds of their key to end: the bookkeeping behind "never delete an environment while a
 * build of it runs; delete it right after the last one ends". Thread-safe; in memory only (after a restart the
 * periodic reconciliation finds what is still condemned).
 *
 * <p>Whether a key is busy is asked of the caller, under this registry's lock, in both directions: when a deletion is
 * offered ({@link #deferIfBusy}) and when a build ends ({@link #takeIdle}). A build that ends is no longer busy before
 * its end is reported, so a deletion can neither run under a build nor be forgotten by one that ended concurrently.
 *
 * @param <T> what the caller needs to carry the deletion out later (where the environment is)
 */
public final class DeferredDeletions<T> {
    private final Map<EnvironmentKey, Pending<T>> pending = new LinkedHashMap<>();

    /** One deferred deletion. */
    public record Pending<T>(EnvironmentKey key, T target, String reason) {
        public Pending {
            Objects.requireNonNull(key);
            Objects.requireNonNull(target);
            Objects.requireNonNull(reason);
        }
    }

    /**
     * Records the deletion of {@code key} if {@code busy} says a build of it is running; otherwise records nothing and
     * the caller deletes now. A later offer for the same key replaces the earlier one.
     *
     * @return true when deferred, false when the caller must delete now
     */
    public synchronized boolean deferIfBusy(EnvironmentKey key, T target, String reason,
        Predicate<EnvironmentKey> busy) {
        if (!busy.test(key)) {
            pending.remove(key);
            return false;
        }
        pending.put(key, new Pending<>(key, target, reason));
        return true;
    }

    /**
     * Removes and returns every pending deletion whose key {@code busy} no longer reports: a build just ended, these
     * can go now.
     */
    public synchronized List<Pending<T>> takeIdle(Predicate<EnvironmentKey> busy) {
        List<Pending<T>> ready = new ArrayList<>();
        for (Iterator<Pending<T>> it = pending.values().iterator(); it.hasNext();) {
            Pending<T> p = it.next();
            if (!busy.test(p.key())) {
                ready.add(p);
                it.remove();
            }
        }
        return ready;
    }

    /** Forgets the deletion of {@code key} (its job came back to life). */
    public synchronized boolean cancel(EnvironmentKey key) {
        return pending.remove(key) != null;
    }

    public synchronized boolean isPending(EnvironmentKey key) {
        return pending.containsKey(key);
    }

    public synchronized Set<EnvironmentKey> keys() {
        return Set.copyOf(pending.keySet());
    }

    public synchronized boolean isEmpty() {
        return pending.isEmpty();
    }
}
