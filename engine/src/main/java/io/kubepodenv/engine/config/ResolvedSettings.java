package io.kubepodenv.engine.config;

import io.kubepodenv.engine.Options;
import java.util.Optional;

/**
 * What a build uses once every level has been merged and validated.
 *
 * @param options the engine options (namespace, template, storage, timeouts, owner)
 * @param cluster the cluster target, taken whole from one level
 * @param clusterOrigin the level the cluster target came from, for messages
 * @param connectionMode how the build's commands reach the Docker server
 * @param keep whether a level asked explicitly to keep (or delete) the environment; empty: the build decides
 */
public record ResolvedSettings(Options options, ClusterTarget cluster, String clusterOrigin,
    ConnectionMode connectionMode, Optional<Boolean> keep) {

    /** Whether to keep the environment when the block ends: an explicit setting, else the build's default. */
    public boolean keepFor(BuildIdentity build) {
        return keep.orElseGet(build::keepByDefault);
    }
}
