package io.kubepodenv.engine.lifecycle;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.EnvironmentLockedException;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.cluster.ClusterErrors;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Serialises operations on one environment key across processes and machines, with a Lease in the environment's
 * namespace: two builds of one pull request never create two environments, and never delete one under each other.
 *
 * <p>The holder renews the lease while it works; a holder that dies stops renewing, and its lease can be taken over
 * once it has expired, so a crash never blocks a key for longer than the lease duration; garbage collection deletes
 * expired locks ({@link Locks#collectExpired}). Waiting for a held lock
 * watches the lease (no polling) and is bounded by a timeout that names the holder.
 */
public final class EnvironmentLock implements AutoCloseable {
    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(30);
    private static final String LOCK_LABEL = ObjectLabels.PREFIX + "lock";

    private final KubernetesClient client;
    private final String namespace;
    private final String holder;
    private final Duration leaseDuration;
    private final Clock clock;
    private ScheduledExecutorService renewer;
    private boolean closed;

    /**
     * @param holder who takes the lock: shown to those who wait (e.g. "jenkins.example.com job/PR-12 #4")
     */
    public EnvironmentLock(KubernetesClient client, String namespace, String holder, Duration leaseDuration,
        Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.holder = holder.length() > 200 ? holder.substring(0, 200) : holder;
        this.leaseDuration = leaseDuration;
        this.clock = clock;
    }

    /** One renewal thread for all the locks this object holds, started with the first. */
    private synchronized ScheduledExecutorService renewer() {
        if (closed) {
            throw new IllegalStateException("lock closed");
        }
        if (renewer == null) {
            renewer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "kube-pod-env-lock-renewer");
                t.setDaemon(true);
                return t;
            });
        }
        return renewer;
    }

    /** The name of the lease that locks {@code key}. */
    public static String leaseName(EnvironmentKey key) {
        return "kube-pod-env-lock-" + key.hash().substring(0, 24);
    }

    /** A held lock; closing it releases the lease. */
    public final class Held implements AutoCloseable {
        private final String name;
        private final ScheduledFuture<?> renewal;

        private Held(String name) {
            this.name = name;
            long period = Math.max(1, leaseDuration.toMillis() / 3);
            this.renewal = renewer().scheduleAtFixedRate(this::renew, period, period, TimeUnit.MILLISECONDS);
        }

        private void renew() {
            try {
                client.leases().inNamespace(namespace).withName(name).edit(l -> {
                    if (holder.equals(l.getSpec().getHolderIdentity())) {
                        l.getSpec().setRenewTime(now());
                    }
                    return l;
                });
            } catch (KubernetesClientException e) {
                // The next renewal tries again; losing the lease only lets a waiter in after it expires.
            }
        }

        @Override
        public void close() {
            renewal.cancel(false);
            try {
                io.kubepodenv.engine.cluster.Cleanup.despiteInterrupt(() -> {
                    Lease current = client.leases().inNamespace(namespace).withName(name).get();
                    if (current != null && holder.equals(current.getSpec().getHolderIdentity())) {
                        client.leases().inNamespace(namespace).withName(name).delete();
                    }
                });
            } catch (KubernetesClientException e) {
                // An unreleased lease expires by itself after the lease duration.
            }
        }
    }

    /**
     * Takes the lock of {@code key}, waiting at most {@code timeout} for its current holder.
     *
     * @throws EnvironmentLockedException when the lock is still held by another after the timeout
     * @throws EnvironmentFailedException when the cluster refuses
     */
    public Held acquire(EnvironmentKey key, Duration timeout, ProgressListener listener) {
        String name = leaseName(key);
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean announced = false;
        while (true) {
            try {
                client.leases().inNamespace(namespace).resource(newLease(key, name)).create();
                return new Held(name);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    // A timeout or a server error may pass (a busy API server); an answer such as 403 will not.
                    boolean transientError = e.getCode() <= 0 || e.getCode() >= 500;
                    long left = deadline - System.nanoTime();
                    if (!transientError || left <= 0) {
                        throw ClusterErrors.failed("take the lock of '" + key + "' (Lease " + name + ")", namespace,
                            e);
                    }
                    listener.warning("could not take the lock of '" + key + "' yet ("
                        + ClusterErrors.explain(e, namespace) + "); trying again");
                    pause(Math.min(TimeUnit.NANOSECONDS.toMillis(left), 1000));
                    continue;
                }
            }
            Lease current = client.leases().inNamespace(namespace).withName(name).get();
            if (current == null) {
                continue;
            }
            if (expired(current)) {
                if (takeOver(current)) {
                    listener.warning("took over the expired lock of '" + key + "' from "
                        + current.getSpec().getHolderIdentity());
                    return new Held(name);
                }
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new EnvironmentLockedException("the environment of '" + key + "' is locked by "
                    + current.getSpec().getHolderIdentity() + " (another operation on it is running); gave up after "
                    + Durations.format(timeout), String.valueOf(current.getSpec().getHolderIdentity()));
            }
            if (!announced) {
                listener.progress("waiting for " + current.getSpec().getHolderIdentity()
                    + ", which is working on this environment");
                announced = true;
            }
            awaitChange(name, Math.min(left, TimeUnit.MILLISECONDS.toNanos(millisUntilExpiry(current)) + 1));
        }
    }

    private Lease newLease(EnvironmentKey key, String name) {
        ZonedDateTime now = now();
        return new LeaseBuilder()
            .withNewMetadata().withName(name).withNamespace(namespace)
            .withLabels(Map.of(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE, ObjectLabels.KEY_HASH,
                key.hash(), LOCK_LABEL, "true"))
            .withAnnotations(Map.of(ObjectLabels.KEY_ANNOTATION, key.value()))
            .endMetadata()
            .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds((int) leaseDuration.toSeconds())
            .withAcquireTime(now).withRenewTime(now).endSpec()
            .build();
    }

    private boolean takeOver(Lease expired) {
        Lease mine = new LeaseBuilder(expired).editSpec().withHolderIdentity(holder).withAcquireTime(now())
            .withRenewTime(now()).withLeaseDurationSeconds((int) leaseDuration.toSeconds())
            .withLeaseTransitions(expired.getSpec().getLeaseTransitions() == null ? 1
                : expired.getSpec().getLeaseTransitions() + 1)
            .endSpec().build();
        try {
            client.leases().inNamespace(namespace).resource(mine).update();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                return false;
            }
            throw ClusterErrors.failed("take over Lease " + expired.getMetadata().getName(), namespace, e);
        }
    }

    private boolean expired(Lease lease) {
        return millisUntilExpiry(lease) <= 0;
    }

    private long millisUntilExpiry(Lease lease) {
        return millisUntilExpiry(lease, now());
    }

    private static long millisUntilExpiry(Lease lease, ZonedDateTime now) {
        ZonedDateTime renewed = lease.getSpec() == null ? null : lease.getSpec().getRenewTime();
        Integer seconds = lease.getSpec() == null ? null : lease.getSpec().getLeaseDurationSeconds();
        if (renewed == null || seconds == null) {
            return 0;
        }
        return Duration.between(now, renewed.plusSeconds(seconds)).toMillis();
    }

    /**
     * The locks of {@code namespace} as listed at one moment (one list call): which keys are held right now, and which
     * locks expired because their holder was killed before it could release them.
     */
    public static Locks list(KubernetesClient client, String namespace, Clock clock) {
        try {
            return new Locks(client, namespace, ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC),
                client.leases().inNamespace(namespace).withLabels(Map.of(ObjectLabels.MANAGED_BY,
                    ObjectLabels.MANAGED_BY_VALUE, LOCK_LABEL, "true")).list().getItems());
        } catch (KubernetesClientException e) {
            throw ClusterErrors.failed("list the locks of environments", namespace, e);
        }
    }

    /** The locks of a namespace, as {@link #list} found them. */
    public static final class Locks {
        private final KubernetesClient client;
        private final String namespace;
        private final ZonedDateTime now;
        private final List<Lease> leases;

        private Locks(KubernetesClient client, String namespace, ZonedDateTime now, List<Lease> leases) {
            this.client = client;
            this.namespace = namespace;
            this.now = now;
            this.leases = List.copyOf(leases);
        }

        /** Who holds the lock of {@code key} (it has not expired), if anyone. */
        public java.util.Optional<String> holder(EnvironmentKey key) {
            return leases.stream().filter(l -> key.value().equals(keyOf(l)) && millisUntilExpiry(l, now) > 0)
                .map(l -> l.getSpec().getHolderIdentity() == null ? "?" : l.getSpec().getHolderIdentity())
                .findFirst();
        }

        /**
         * Deletes the locks that had expired when listed. An expired lock protects nothing (the next {@code up} takes
         * it over), so this is safe whoever made it; a lock taken over or renewed since the listing is kept (the
         * deletion is conditional on the version that was seen).
         *
         * @return the names of the leases deleted (or that would be, with {@code dryRun})
         */
        public List<String> collectExpired(boolean dryRun, ProgressListener listener) {
            List<String> collected = new java.util.ArrayList<>();
            for (Lease lock : leases) {
                if (millisUntilExpiry(lock, now) > 0) {
                    continue;
                }
                String name = lock.getMetadata().getName();
                String holder = lock.getSpec() == null ? null : lock.getSpec().getHolderIdentity();
                if (!dryRun) {
                    try {
                        client.leases().inNamespace(namespace).withName(name)
                            .lockResourceVersion(lock.getMetadata().getResourceVersion()).delete();
                    } catch (KubernetesClientException e) {
                        if (e.getCode() == 404 || e.getCode() == 409) {
                            continue; // gone already, or taken over since it was listed
                        }
                        throw ClusterErrors.failed("delete the expired lock " + name, namespace, e);
                    }
                }
                collected.add(name);
                listener.progress((dryRun ? "would delete" : "deleted") + " the expired lock of '" + keyOf(lock)
                    + "' (Lease " + name + (holder == null ? "" : ", last held by " + holder) + ")");
            }
            return collected;
        }

        private static String keyOf(Lease lock) {
            Map<String, String> annotations = lock.getMetadata().getAnnotations();
            return annotations == null ? "?" : annotations.getOrDefault(ObjectLabels.KEY_ANNOTATION, "?");
        }
    }

    private void awaitChange(String name, long nanos) {
        String version = null;
        Lease seen = client.leases().inNamespace(namespace).withName(name).get();
        if (seen != null) {
            version = seen.getMetadata().getResourceVersion();
        }
        String before = version;
        java.util.concurrent.CompletableFuture<List<Lease>> change = client.leases().inNamespace(namespace)
            .withName(name).informOnCondition((List<Lease> leases) -> leases.isEmpty()
                || !leases.get(0).getMetadata().getResourceVersion().equals(before));
        try {
            change.get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // Time to look again: the lease may have expired.
        } catch (ExecutionException e) {
            throw ClusterErrors.failed("watch Lease " + name, namespace, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentFailedException("interrupted while waiting for the lock of the environment");
        } finally {
            change.cancel(true); // stops the informer behind the future
        }
    }

    private static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(Math.max(1, millis)); // a back-off before retrying a failed call
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentFailedException("interrupted while taking the lock of the environment");
        }
    }

    private ZonedDateTime now() {
        return ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** Stops the renewal thread; locks still held stop being renewed and expire. */
    @Override
    public synchronized void close() {
        closed = true;
        if (renewer != null) {
            renewer.shutdownNow();
        }
    }
}
