package io.kubepodenv.engine;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.cluster.EnvironmentApplier;
import io.kubepodenv.engine.cluster.Cleanup;
import io.kubepodenv.engine.cluster.DockerHostActivity;
import io.kubepodenv.engine.cluster.EnvironmentDeleter;
import io.kubepodenv.engine.cluster.EnvironmentLookup;
import io.kubepodenv.engine.cluster.ReadinessWaiter;
import io.kubepodenv.engine.lifecycle.EnvironmentLock;
import io.kubepodenv.engine.lifecycle.EnvironmentSleeper;
import io.kubepodenv.engine.lifecycle.IdlePolicy;
import io.kubepodenv.engine.naming.InstanceIds;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.template.EnvironmentTemplate;
import io.kubepodenv.engine.template.Manifest;
import io.kubepodenv.engine.template.TemplateRenderer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The engine: provisions, finds, lists and deletes environments (a Docker server in a StatefulSet, rendered from a
 * template) in one namespace of one cluster, and puts them to sleep and wakes them. One instance serves any number of
 * calls, from any number of threads; {@code up}, {@code down}, {@code sleep} and {@code wake} of one key are
 * serialised across processes by a lock on the cluster. Close it to stop its lock-renewal thread.
 */
public final class KubePodEnv implements AutoCloseable {
    private final KubernetesClient client;
    private final Options options;
    private final Clock clock;
    private final InstanceIds ids;
    private final EnvironmentTemplate template;
    private final EnvironmentLock lock;
    private final DockerServerCheck dockerCheck;
    private static final Duration LOCK_MARGIN = Duration.ofMinutes(1);
    private static final Duration MIN_DOCKER_CHECK = Duration.ofSeconds(5);

    /** An engine whose {@code up} ends with {@link DockerServerCheck#TUNNEL_PING}. */
    public KubePodEnv(KubernetesClient client, Options options) {
        this(client, options, DockerServerCheck.TUNNEL_PING);
    }

    public KubePodEnv(KubernetesClient client, Options options, DockerServerCheck dockerCheck) {
        this(client, options, Clock.systemUTC(), new InstanceIds(), dockerCheck);
    }

    public KubePodEnv(KubernetesClient client, Options options, Clock clock, InstanceIds ids) {
        this(client, options, clock, ids, DockerServerCheck.TUNNEL_PING);
    }

    public KubePodEnv(KubernetesClient client, Options options, Clock clock, InstanceIds ids,
        DockerServerCheck dockerCheck) {
        this.dockerCheck = dockerCheck;
        this.client = client;
        this.options = options;
        this.clock = clock;
        this.ids = ids;
        this.template = new EnvironmentTemplate(new TemplateRenderer());
        this.lock = new EnvironmentLock(client, options.namespace(), holderIdentity(options),
            EnvironmentLock.DEFAULT_LEASE_DURATION, clock);
    }

    private static String holderIdentity(Options options) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown host";
        }
        return options.owner() + " on " + host + " (pid " + ProcessHandle.current().pid() + ")";
    }

    @Override
    public void close() {
        lock.close();
    }

    public Options options() {
        return options;
    }

    public KubernetesClient client() {
        return client;
    }

    /**
     * Renders and validates what {@code up} would apply for {@code key}, without a cluster. The creation-time
     * annotation, set when objects are applied, is left out.
     *
     * @param instanceId the id to render with (for reproducible output); empty: a new random id
     * @throws InvalidInputException when the template or the id is invalid
     */
    public static Manifest render(Options options, EnvironmentKey key, Optional<String> instanceId) {
        String id = instanceId.orElseGet(() -> new InstanceIds().generate(key.value()));
        if (!InstanceIds.isValid(id)) {
            throw new InvalidInputException("id: '" + id + "' is not a valid instance id (lower-case letters, digits "
                + "and '-', starting with a letter, at most " + InstanceIds.MAX_LENGTH + ")");
        }
        return new EnvironmentTemplate(new TemplateRenderer()).build(options, key, id, null, Map.of());
    }

    /** Provisions (or reuses) the environment of {@code key} and waits until it is ready. */
    public ReadyEnvironment up(EnvironmentKey key, ProgressListener listener) {
        return up(key, Map.of(), listener);
    }

    /**
     * Provisions (or reuses) the environment of {@code key} and waits until its Docker server's pod is ready.
     *
     * <p>The template is rendered and validated before anything is sent to the cluster. An environment of the same
     * key whose template is unchanged is reused as it is; one whose template changed is deleted and replaced (its
     * volume's data is lost, and the output says so). A new environment that fails to apply or to become ready is
     * deleted again unless {@link Options#keepOnFailure()}.
     *
     * @param attributes caller metadata recorded as annotations (e.g. the pull request's URL); names are
     *     lower-case letters, digits and '-'
     * @throws InvalidInputException for a bad template or attributes (nothing was sent to the cluster)
     * @throws EnvironmentFailedException when the cluster refuses or the environment does not become ready in time
     */
    public ReadyEnvironment up(EnvironmentKey key, Map<String, String> attributes, ProgressListener listener) {
        long started = System.nanoTime();
        checkAttributes(attributes);
        String id = ids.generate(key.value());
        listener.progress("rendering template (" + options.template().origin() + ")");
        Manifest manifest = template.build(options, key, id, Instant.now(clock).toString(), attributes);
        try (EnvironmentLock.Held held = lock.acquire(key, options.readyTimeout().plus(LOCK_MARGIN), listener)) {
            return upLocked(key, attributes, listener, started, id, manifest);
        }
    }

    private ReadyEnvironment upLocked(EnvironmentKey key, Map<String, String> attributes, ProgressListener listener,
        long started, String id, Manifest manifest) {
        EnvironmentLookup lookup = new EnvironmentLookup(client, options.namespace());
        List<Environment> existing = new java.util.ArrayList<>();
        for (Environment found : lookup.findAll(key)) {
            if (found.complete()) {
                existing.add(found);
            } else {
                // Under the lock nobody else is applying it: an earlier up of this key was killed half-way.
                listener.warning("deleting an incomplete environment of the same key: " + found.id() + " (an earlier "
                    + "up did not finish)");
                deleteInstance(found.id(), found.kinds(), listener);
            }
        }
        ReadinessWaiter waiter = new ReadinessWaiter(client, options.namespace());
        if (!existing.isEmpty()) {
            Environment current = existing.get(0);
            Manifest again = template.build(options, key, current.id(), null, attributes);
            for (Environment stale : existing.subList(1, existing.size())) {
                listener.warning("deleting an older environment of the same key: " + stale.id());
                deleteInstance(stale.id(), stale.kinds(), listener);
            }
            if (again.templateHash().equals(current.templateHash())) {
                if (!current.activity().asleep()) {
                    listener.progress("reusing environment " + current.id() + " (template unchanged)");
                }
                return resume(current, options.idleLimits(), started, listener);
            }
            listener.progress("template changed (" + shortHash(current.templateHash()) + " -> "
                + shortHash(again.templateHash()) + "): replacing environment " + current.id()
                + "; the data on its volume is discarded");
            deleteInstance(current.id(), current.kinds(), listener);
        }
        listener.progress("creating environment " + id + " in namespace " + options.namespace() + " ("
            + manifest.objects().size() + " objects, " + (options.serverSideApply() ? "server-side apply"
                : "create or update") + ")");
        try {
            new EnvironmentApplier(client, options).apply(manifest, listener);
            Environment applied = new Environment(key, id, options.namespace(), manifest.dockerHost().name(),
                manifest.templateHash(), Optional.empty(), false, manifest.kinds(), options.owner(), manifest.docker());
            EnvironmentActivity activity = new DockerHostActivity(client, options.namespace())
                .recordUse(applied, Instant.now(clock), options.idleLimits());
            listener.progress("waiting for StatefulSet " + manifest.dockerHost().name() + " to be ready (timeout "
                + Durations.format(options.readyTimeout()) + ")");
            String pod = waiter.await(manifest.dockerHost().name(), id, options.readyTimeout(), listener);
            Environment environment = new Environment(key, id, options.namespace(), manifest.dockerHost().name(),
                manifest.templateHash(), Optional.of(Instant.now(clock)), true, manifest.kinds(), options.owner(),
                manifest.docker(), activity);
            dockerCheck.verify(client, environment, remaining(started), listener);
            listener.progress("ready: pod " + pod);
            return new ReadyEnvironment(environment, pod, false, since(started));
        } catch (RuntimeException e) {
            throw cleanUpAfterFailure(id, manifest.kinds(), e, listener);
        }
    }

    /**
     * Makes an existing environment ready for a build: records the use with {@code limits} (which wakes it, if it
     * sleeps: one replica again, its volume claim reattached) and waits until its Docker server answers. The caller
     * holds the key's lock.
     */
    private ReadyEnvironment resume(Environment current, IdleLimits limits, long started, ProgressListener listener) {
        Instant now = Instant.now(clock);
        boolean asleep = current.activity().asleep();
        long waking = System.nanoTime();
        if (asleep) {
            listener.progress("waking environment " + current.id() + " (asleep for "
                + current.activity().asleepSince().map(t -> Durations.format(nonNegative(Duration.between(t, now))))
                    .orElse("an unknown time") + ")");
        }
        EnvironmentActivity activity = new DockerHostActivity(client, options.namespace())
            .recordUse(current, now, limits);
        String pod = new ReadinessWaiter(client, options.namespace())
            .await(current.dockerHost(), current.id(), options.readyTimeout(), listener);
        Environment ready = withReady(current).withActivity(activity);
        dockerCheck.verify(client, ready, remaining(started), listener);
        if (asleep) {
            listener.progress("woke environment " + current.id() + ": waking took "
                + Durations.format(since(waking)));
        }
        listener.progress("ready: pod " + pod);
        return new ReadyEnvironment(ready, pod, true, since(started));
    }

    /**
     * Puts the environment of {@code key} to sleep now: its Docker server's pod goes, its volume claim and data stay;
     * the next {@code up} (or {@link #wake}) wakes it. Takes the key's lock and waits (at most
     * {@link Options#deleteTimeout()}) until the pod is gone.
     *
     * @throws InvalidInputException when its StatefulSet would lose its data by sleeping
     */
    public EnvironmentSleeper.Outcome sleep(EnvironmentKey key, ProgressListener listener) {
        return new EnvironmentSleeper(client, options.namespace(), lock, clock, options.deleteTimeout())
            .sleep(key, listener);
    }

    /** How long the end of a block waits for the key's lock before leaving the recording to whoever holds it. */
    static final Duration END_OF_USE_LOCK_WAIT = Duration.ofSeconds(10);

    /**
     * Records that a build has just finished using the environment of {@code key} (a kept environment at the end of
     * its block), with the idle limits recorded at its {@code up}, so that idle time counts from the end of the last
     * build rather than from its start. Does nothing to an environment that is gone or asleep, nor when another
     * operation holds the key's lock for longer than a few seconds (that one records its own use).
     *
     * @return whether the use was recorded
     */
    public boolean recordEndOfUse(EnvironmentKey key, ProgressListener listener) {
        try (EnvironmentLock.Held held = lock.acquire(key, END_OF_USE_LOCK_WAIT, listener)) {
            Optional<Environment> current = new EnvironmentLookup(client, options.namespace()).find(key);
            if (current.isEmpty() || current.get().activity().asleep()) {
                return false;
            }
            new DockerHostActivity(client, options.namespace()).recordUse(current.get(), Instant.now(clock),
                current.get().activity().limits());
            return true;
        } catch (EnvironmentLockedException e) {
            listener.progress("last use of '" + key + "' not recorded: " + e.holder() + " is using it");
            return false;
        }
    }

    /**
     * Wakes the environment of {@code key} if it sleeps, and waits until it is ready, as {@code up} does for an
     * existing environment; unlike {@code up}, it never creates or replaces one, and it keeps the idle limits recorded
     * by the build that last used it (a wake by hand does not turn a CI system's sleep setting off).
     *
     * @throws EnvironmentFailedException when there is no environment of {@code key}, or it does not become ready
     */
    public ReadyEnvironment wake(EnvironmentKey key, ProgressListener listener) {
        long started = System.nanoTime();
        try (EnvironmentLock.Held held = lock.acquire(key, options.readyTimeout().plus(LOCK_MARGIN), listener)) {
            Environment current = new EnvironmentLookup(client, options.namespace()).find(key)
                .orElseThrow(() -> new EnvironmentNotFoundException("no environment of '" + key + "' in namespace "
                    + options.namespace() + " to wake; 'up' creates one"));
            if (!current.activity().asleep()) {
                listener.progress("environment " + current.id() + " is awake");
            }
            return resume(current, current.activity().limits(), started, listener);
        }
    }

    /**
     * Puts to sleep the environments of the namespace (of {@code owner}, when given) that {@code policy} finds idle,
     * each under its lock and re-checked there, so that one used meanwhile stays awake.
     *
     * @return those put to sleep (with {@code dryRun}: those that would be)
     */
    public List<Environment> sleepIdle(IdlePolicy policy, Optional<String> owner, boolean dryRun,
        ProgressListener listener) {
        List<Environment> candidates = list().stream()
            .filter(e -> owner.isEmpty() || owner.get().equals(e.owner()))
            .toList();
        return new EnvironmentSleeper(client, options.namespace(), lock, clock, options.deleteTimeout())
            .sleepIdle(candidates, policy, dryRun, listener);
    }

    /** The newest complete environment of {@code key}, if there is one. */
    public Optional<Environment> find(EnvironmentKey key) {
        return new EnvironmentLookup(client, options.namespace()).find(key);
    }

    /** Every environment in the namespace, complete or not (an {@code up} killed half-way), newest first. */
    public List<Environment> list() {
        return new EnvironmentLookup(client, options.namespace()).listAll();
    }

    /**
     * Deletes every object of the environment of {@code key}, claims included. Deleting an environment that does
     * not exist succeeds (the result says nothing was found).
     *
     * @param wait wait (at most {@link Options#deleteTimeout()}) until every object and pod is gone
     */
    public EnvironmentDeleter.Result down(EnvironmentKey key, boolean wait, ProgressListener listener) {
        try (EnvironmentLock.Held held = lock.acquire(key,
            options.readyTimeout().plus(options.deleteTimeout()).plus(LOCK_MARGIN), listener)) {
            return downLocked(key, wait, listener);
        }
    }

    private EnvironmentDeleter.Result downLocked(EnvironmentKey key, boolean wait, ProgressListener listener) {
        Set<String> kinds = new LinkedHashSet<>();
        List<Environment> existing = new EnvironmentLookup(client, options.namespace()).findAll(key);
        existing.forEach(e -> kinds.addAll(e.kinds()));
        kinds.addAll(currentTemplateKinds(key));
        EnvironmentDeleter.Result result = new EnvironmentDeleter(client, options.namespace())
            .delete(Map.of(ObjectLabels.KEY_HASH, key.hash()), kinds, wait, options.deleteTimeout(), listener);
        if (result.deleted().isEmpty()) {
            listener.progress("no environment for key '" + key + "' in namespace " + options.namespace()
                + ": nothing to delete");
        }
        return result;
    }

    private List<String> currentTemplateKinds(EnvironmentKey key) {
        try {
            return template.build(options, key, ids.generate(key.value()), null, Map.of()).kinds();
        } catch (InvalidInputException e) {
            return List.of();
        }
    }

    private void deleteInstance(String id, List<String> kinds, ProgressListener listener) {
        new EnvironmentDeleter(client, options.namespace())
            .delete(Map.of(ObjectLabels.INSTANCE, id), kinds, false, options.deleteTimeout(), listener);
    }

    private RuntimeException cleanUpAfterFailure(String id, List<String> kinds, RuntimeException failure,
        ProgressListener listener) {
        if (options.keepOnFailure()) {
            listener.warning("keeping the failed environment " + id + " for inspection (keep-on-failure); delete it "
                + "with 'kpe down'");
            return failure;
        }
        try {
            listener.progress("deleting the failed environment " + id);
            Cleanup.despiteInterrupt(() -> deleteInstance(id, kinds, listener));
        } catch (RuntimeException cleanup) {
            failure.addSuppressed(cleanup);
            listener.warning("could not delete the failed environment " + id + ": " + cleanup.getMessage());
        }
        return failure;
    }

    private static void checkAttributes(Map<String, String> attributes) {
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            if (!e.getKey().matches("[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?")) {
                throw new InvalidInputException("attribute name '" + e.getKey() + "': lower-case letters, digits and "
                    + "'-', at most 42");
            }
            if (e.getValue() == null || e.getValue().length() > 4096) {
                throw new InvalidInputException("attribute " + e.getKey() + ": a value of at most 4096 characters");
            }
        }
    }

    private static Environment withReady(Environment e) {
        return new Environment(e.key(), e.id(), e.namespace(), e.dockerHost(), e.templateHash(), e.createdAt(), true,
            e.kinds(), e.owner(), e.docker(), e.complete());
    }

    private static String shortHash(String hash) {
        int colon = hash.indexOf(':');
        String hex = colon >= 0 ? hash.substring(colon + 1) : hash;
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    /** What is left of the ready timeout, at least a few seconds for the Docker check. */
    private Duration remaining(long startedNanos) {
        Duration left = options.readyTimeout().minus(since(startedNanos));
        return left.compareTo(MIN_DOCKER_CHECK) < 0 ? MIN_DOCKER_CHECK : left;
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    private static Duration since(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
}
