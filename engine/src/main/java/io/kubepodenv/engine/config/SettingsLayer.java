package io.kubepodenv.engine.config;

import java.util.Optional;

/**
 * The settings one level defines: global configuration, a folder, a job, or a step's parameters. Every field is
 * optional (null or blank: inherit from the level above). Values are kept as the user typed them, so that an invalid
 * one is reported with the level and field it came from.
 *
 * @param origin how messages name the level: "global configuration", "folder 'team-a'", "withKubePodEnv parameters"
 * @param trusted whether the level is administrator configuration; only trusted levels may set the cluster and the
 *     template (a pull request's author can change step parameters)
 * @param cluster the cluster and credentials; null: inherit
 * @param template the Jinja template text; null or blank: inherit
 * @param namespace the namespace of the environments
 * @param storageClass the StorageClass of the Docker server's volume
 * @param storageSize GiB, e.g. {@code 10} or {@code 12.5}
 * @param serverSideApply apply with server-side apply
 * @param readyTimeout how long to wait for the Docker server, e.g. {@code 10m}
 * @param connectionMode {@code tunnel} or {@code direct}
 * @param keep keep the environment when the build's block ends
 * @param sleepAfter idle time after which the environments of builds at this level sleep, e.g. {@code 2h}
 * @param maxIdle idle time after which they are deleted, e.g. {@code 7d}
 * @param sync mirror the workspace into the Docker host before each block (docs/sync.md)
 */
public record SettingsLayer(
    String origin,
    boolean trusted,
    ClusterTarget cluster,
    String template,
    String namespace,
    String storageClass,
    String storageSize,
    Boolean serverSideApply,
    String readyTimeout,
    String connectionMode,
    Boolean keep,
    String sleepAfter,
    String maxIdle,
    Boolean sync) {

    public SettingsLayer {
        if (origin == null || origin.isBlank()) {
            throw new IllegalArgumentException("origin must name the configuration level");
        }
        template = template == null || template.isBlank() ? null : template;
        namespace = Blanks.orNull(namespace);
        storageClass = Blanks.orNull(storageClass);
        storageSize = Blanks.orNull(storageSize);
        readyTimeout = Blanks.orNull(readyTimeout);
        connectionMode = Blanks.orNull(connectionMode);
        sleepAfter = Blanks.orNull(sleepAfter);
        maxIdle = Blanks.orNull(maxIdle);
        if (cluster != null && !cluster.isConfigured()) {
            cluster = null;
        }
    }

    /** An administrator's level (global, folder, job) with nothing set yet. */
    public static SettingsLayer configuration(String origin) {
        return new SettingsLayer(origin, true, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** A step's parameters (untrusted) with nothing set yet. */
    public static SettingsLayer parameters(String origin) {
        return new SettingsLayer(origin, false, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public SettingsLayer withCluster(ClusterTarget value) {
        return new SettingsLayer(origin, trusted, value, template, namespace, storageClass, storageSize,
            serverSideApply, readyTimeout, connectionMode, keep, sleepAfter, maxIdle, sync);
    }

    public SettingsLayer withTemplate(String value) {
        return new SettingsLayer(origin, trusted, cluster, value, namespace, storageClass, storageSize,
            serverSideApply, readyTimeout, connectionMode, keep, sleepAfter, maxIdle, sync);
    }

    public SettingsLayer withNamespace(String value) {
        return new SettingsLayer(origin, trusted, cluster, template, value, storageClass, storageSize,
            serverSideApply, readyTimeout, connectionMode, keep, sleepAfter, maxIdle, sync);
    }

    public SettingsLayer withStorageClass(String value) {
        return new SettingsLayer(origin, trusted, cluster, template, namespace, value, storageSize,
            serverSideApply, readyTimeout, connectionMode, keep, sleepAfter, maxIdle, sync);
    }

    public SettingsLayer withStorageSize(String value) {
        return new SettingsLayer(origin, trusted, cluster, template, namespace, storageClass, value,
            serverSideApply, readyTimeout, connectionMode, keep, sleepAfter, maxIdle, sync);
    }

    public SettingsLayer withServerSideApply(Boolean value) {
        return new SettingsLayer(origin, trusted, cluster, template, namespace, storageClass, storageSize, value,
            readyTimeout, connectionMode, keep, sleepAfter, maxIdle, sync);
    }

    public SettingsLayer withReadyTimeout(String value) {
        return new SettingsLayer(origin, trusted, cluster, template, namespace, storageClass, storageSize,
            serverSideApply, value, connectionMode, keep, sleepAfter, maxIdle, sync);
    }

    public SettingsLayer withConnectionMode(String value) {
        return new SettingsLayer(origin, trusted, cluster, template, namespace, storageClass, storageSize,
            serverSideApply, readyTimeout, value, keep, sleepAfter, maxIdle, sync);
    }

    public SettingsLayer withKeep(Boolean value) {
        return new SettingsLayer(origin, trusted, cluster, template, namespace, storageClass, storageSize,
            serverSideApply, readyTimeout, connectionMode, value, sleepAfter, maxIdle, sync);
    }

    public SettingsLayer withSleepAfter(String value) {
        return new SettingsLayer(origin, trusted, cluster, template, namespace, storageClass, storageSize,
            serverSideApply, readyTimeout, connectionMode, keep, value, maxIdle, sync);
    }

    public SettingsLayer withMaxIdle(String value) {
        return new SettingsLayer(origin, trusted, cluster, template, namespace, storageClass, storageSize,
            serverSideApply, readyTimeout, connectionMode, keep, sleepAfter, value, sync);
    }

    public SettingsLayer withSync(Boolean value) {
        return new SettingsLayer(origin, trusted, cluster, template, namespace, storageClass, storageSize,
            serverSideApply, readyTimeout, connectionMode, keep, sleepAfter, maxIdle, value);
    }

    Optional<ClusterTarget> clusterIfSet() {
        return Optional.ofNullable(cluster);
    }
}
