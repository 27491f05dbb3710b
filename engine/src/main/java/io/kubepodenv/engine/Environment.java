package io.kubepodenv.engine;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An environment as found on the cluster.
 *
 * @param key the environment key (from the annotation that holds it whole)
 * @param id the instance id
 * @param namespace its namespace
 * @param dockerHost the name of the StatefulSet that runs the Docker server
 * @param templateHash the hash of the template it was rendered from
 * @param createdAt when it was created, when known
 * @param ready whether the Docker server's pod was ready when it was looked at
 * @param kinds the kinds it created ({@code apiVersion/Kind})
 * @param owner who created it ({@code kpe}, a Jenkins controller)
 * @param docker where its Docker server listens in the pod, and whether it speaks TLS
 * @param complete whether every object of its template was applied; false for an environment whose {@code up} was
 *     killed or is still applying (it is found through its record, and deleted like any other)
 * @param activity its last use, whether it sleeps, and its idle limits
 */
public record Environment(EnvironmentKey key, String id, String namespace, String dockerHost, String templateHash,
    Optional<Instant> createdAt, boolean ready, List<String> kinds, String owner, DockerEndpoint docker,
    boolean complete, EnvironmentActivity activity) {

    public Environment {
        kinds = List.copyOf(kinds);
        java.util.Objects.requireNonNull(docker, "docker");
        java.util.Objects.requireNonNull(activity, "activity");
    }

    /** Incomplete, sleeping, ready, or not ready. */
    public EnvironmentState state() {
        if (!complete) {
            return EnvironmentState.INCOMPLETE;
        }
        if (activity.asleep()) {
            return EnvironmentState.SLEEPING;
        }
        return ready ? EnvironmentState.READY : EnvironmentState.NOT_READY;
    }

    /** This environment with other activity. */
    public Environment withActivity(EnvironmentActivity value) {
        return new Environment(key, id, namespace, dockerHost, templateHash, createdAt, ready, kinds, owner, docker,
            complete, value);
    }

    /** An environment whose record says whether it is complete, with no activity recorded (awake, last use unknown). */
    public Environment(EnvironmentKey key, String id, String namespace, String dockerHost, String templateHash,
        Optional<Instant> createdAt, boolean ready, List<String> kinds, String owner, DockerEndpoint docker,
        boolean complete) {
        this(key, id, namespace, dockerHost, templateHash, createdAt, ready, kinds, owner, docker, complete,
            EnvironmentActivity.UNRECORDED);
    }

    /** A complete environment with the given activity. */
    public Environment(EnvironmentKey key, String id, String namespace, String dockerHost, String templateHash,
        Optional<Instant> createdAt, boolean ready, List<String> kinds, String owner, DockerEndpoint docker,
        EnvironmentActivity activity) {
        this(key, id, namespace, dockerHost, templateHash, createdAt, ready, kinds, owner, docker, true, activity);
    }

    /** A complete environment with no activity recorded. */
    public Environment(EnvironmentKey key, String id, String namespace, String dockerHost, String templateHash,
        Optional<Instant> createdAt, boolean ready, List<String> kinds, String owner, DockerEndpoint docker) {
        this(key, id, namespace, dockerHost, templateHash, createdAt, ready, kinds, owner, docker, true);
    }

    /** An environment whose Docker server listens on plain port 2375. */
    public Environment(EnvironmentKey key, String id, String namespace, String dockerHost, String templateHash,
        Optional<Instant> createdAt, boolean ready, List<String> kinds, String owner) {
        this(key, id, namespace, dockerHost, templateHash, createdAt, ready, kinds, owner, DockerEndpoint.PLAIN);
    }
}
