package io.kubepodenv.engine.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.cluster.EnvironmentDeleter;
import io.kubepodenv.engine.cluster.EnvironmentLookup;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Deletes dead environments in one sweep: one list call for the environments, then one list call per kind for all
 * their objects together, whatever their number.
 */
public final class GarbageCollector {
    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;

    public GarbageCollector(KubernetesClient client, String namespace, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
    }

    /** The outcome of a sweep. */
    public record Sweep(List<CollectionPolicy.Verdict> collected, int examined) {
        public Sweep {
            collected = List.copyOf(collected);
        }
    }

    /**
     * Finds the environments {@code policy} condemns and, unless {@code dryRun}, deletes them.
     *
     * @param timeout bound of the wait when {@code wait} is set
     */
    public Sweep sweep(CollectionPolicy policy, boolean dryRun, boolean wait, Duration timeout,
        ProgressListener listener) {
        List<Environment> all = new EnvironmentLookup(client, namespace).listAll();
        List<CollectionPolicy.Verdict> doomed = policy.decide(all, clock.instant());
        for (CollectionPolicy.Verdict v : doomed) {
            listener.progress((dryRun ? "would delete " : "deleting ") + v.environment().id() + " ('"
                + v.environment().key() + "'): " + v.reason());
        }
        if (!dryRun && !doomed.isEmpty()) {
            Set<String> ids = new LinkedHashSet<>();
            Set<String> kinds = new LinkedHashSet<>();
            doomed.forEach(v -> {
                ids.add(v.environment().id());
                kinds.addAll(v.environment().kinds());
            });
            new EnvironmentDeleter(client, namespace).deleteInstances(ids, kinds, wait, timeout, listener);
        }
        return new Sweep(doomed, all.size());
    }
}
