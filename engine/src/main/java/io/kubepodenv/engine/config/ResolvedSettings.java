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
 * @param sync whether to mirror the workspace into the Docker host before the block (off unless a level says so)
 */
public record ResolvedSettings(Options options, ClusterTarget cluster, String clusterOrigin,
    ConnectionMode connectionMode, Optional<Boolean> keep, boolean sync) {

    /** Settings without the workspace mirror. */
    public ResolvedSettings(Options options, ClusterTarget cluster, String clusterOrigin, ConnectionMode connectionMode,
        Optional<Boolean> keep) {
        this(options, cluster, clusterOrigin, connectionMode, keep, false);
    }

    /** Whether to keep the environment when the block ends: an explicit setting, else the build's default. */
    public boolean keepFor(BuildIdentity build) {
        return keep.orElseGet(build::keepByDefault);
    }
}
