package io.kubepodenv.engine.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.cluster.DockerHostActivity;
import io.kubepodenv.engine.cluster.EnvironmentLookup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Puts environments to sleep: their docker-host StatefulSet goes to 0 replicas, so the pod and its CPU and memory
 * go while the volume claim and its data stay. Always under the key's lock, so that a sleep never overlaps an
 * {@code up} (which wakes the environment) or a {@code down}; a sleep waits, watching, until the pod is gone, so that
 * the next {@code up} never mistakes the leaving pod for a ready one.
 */
public final class EnvironmentSleeper {
    private static final Duration LOCK_MARGIN = Duration.ofMinutes(1);

    private final KubernetesClient client;
    private final String namespace;
    private final EnvironmentLock lock;
    private final Clock clock;
    private final Duration timeout;

    /**
     * @param timeout how long a sleep waits for the pod to go (and, with a margin, for the lock)
     */
    public EnvironmentSleeper(KubernetesClient client, String namespace, EnvironmentLock lock, Clock clock,
        Duration timeout) {
        this.client = client;
        this.namespace = namespace;
        this.lock = lock;
        this.clock = clock;
        this.timeout = timeout;
    }

    /** What a request to sleep came to. */
    public enum Outcome {
        /** Put to sleep now. */
        SLEPT,
        /** It was asleep already. */
        ALREADY_ASLEEP,
        /** No environment of the key. */
        NOT_FOUND,
        /** Used since it was found idle (a build's {@code up} ran in between): left awake. */
        USED_SINCE
    }

    /**
     * Puts the environment of {@code key} to sleep, however recently it was used.
     *
     * @throws InvalidInputException when its StatefulSet would lose its data by sleeping
     */
    public Outcome sleep(EnvironmentKey key, ProgressListener listener) {
        try (EnvironmentLock.Held held = lock.acquire(key, timeout.plus(LOCK_MARGIN), listener)) {
            Optional<Environment> current = new EnvironmentLookup(client, namespace).find(key);
            if (current.isEmpty()) {
                return Outcome.NOT_FOUND;
            }
            return sleepLocked(current.get(), "by request", listener);
        }
    }

    /**
     * Puts {@code seen} (found idle by {@code policy} outside the lock) to sleep if, under the lock, it is still the
     * environment of its key, still awake and still idle: a build whose {@code up} ran meanwhile renewed its last use.
     */
    public Outcome sleepIfIdle(Environment seen, IdlePolicy policy, ProgressListener listener) {
        try (EnvironmentLock.Held held = lock.acquire(seen.key(), timeout.plus(LOCK_MARGIN), listener)) {
            Optional<Environment> current = new EnvironmentLookup(client, namespace).find(seen.key())
                .filter(e -> e.id().equals(seen.id()));
            if (current.isEmpty()) {
                return Outcome.NOT_FOUND;
            }
            if (current.get().activity().asleep()) {
                return Outcome.ALREADY_ASLEEP;
            }
            Optional<String> reason = policy.sleep(current.get(), clock.instant());
            if (reason.isEmpty()) {
                listener.progress("leaving " + seen.id() + " ('" + seen.key() + "') awake: used since it was found "
                    + "idle");
                return Outcome.USED_SINCE;
            }
            return sleepLocked(current.get(), reason.get(), listener);
        }
    }

    /**
     * Puts to sleep those of {@code candidates} that {@code policy} finds idle, one at a time, each re-checked under
     * its lock; a failure (a template that cannot sleep, a refusal) is reported and the others go on.
     *
     * @return the environments put to sleep (with {@code dryRun}: those that would be)
     */
    public List<Environment> sleepIdle(List<Environment> candidates, IdlePolicy policy, boolean dryRun,
        ProgressListener listener) {
        List<Environment> slept = new ArrayList<>();
        Instant now = clock.instant();
        for (Environment e : candidates) {
            Optional<String> reason = policy.sleep(e, now);
            if (reason.isEmpty()) {
                continue;
            }
            if (dryRun) {
                listener.progress("would put " + e.id() + " ('" + e.key() + "') to sleep: " + reason.get());
                slept.add(e);
                continue;
            }
            try {
                if (sleepIfIdle(e, policy, listener) == Outcome.SLEPT) {
                    slept.add(e);
                }
            } catch (KubePodEnvException failure) {
                listener.warning("could not put " + e.id() + " ('" + e.key() + "') to sleep: "
                    + failure.getMessage());
            }
        }
        return slept;
    }

    private Outcome sleepLocked(Environment environment, String why, ProgressListener listener) {
        if (environment.activity().asleep()) {
            listener.progress("environment " + environment.id() + " ('" + environment.key() + "') is asleep already");
            return Outcome.ALREADY_ASLEEP;
        }
        DockerHostActivity activity = new DockerHostActivity(client, namespace);
        activity.sleepHazard(environment).ifPresent(hazard -> {
            throw new InvalidInputException("cannot put environment " + environment.id() + " ('" + environment.key()
                + "') to sleep: " + hazard);
        });
        Instant now = clock.instant();
        listener.progress("putting environment " + environment.id() + " ('" + environment.key() + "') to sleep ("
            + why + "): its pod goes, its volume claim stays");
        long started = System.nanoTime();
        activity.markAsleep(environment, now);
        activity.awaitNoPod(environment, timeout);
        listener.progress("asleep: pod of " + environment.id() + " gone after "
            + Durations.format(Duration.ofNanos(System.nanoTime() - started)));
        return Outcome.SLEPT;
    }
}
