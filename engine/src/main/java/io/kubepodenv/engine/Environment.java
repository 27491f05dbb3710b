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
 */
public record Environment(EnvironmentKey key, String id, String namespace, String dockerHost, String templateHash,
    Optional<Instant> createdAt, boolean ready, List<String> kinds, String owner) {

    public Environment {
        kinds = List.copyOf(kinds);
    }
}
