package io.kubepodenv.engine.sync;

import io.kubepodenv.engine.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a workspace is mirrored.
 *
 * @param sizeLimit bytes of file content the tree may hold (after excludes); a larger tree is refused
 * @param excludes  patterns in {@code .dockerignore} syntax left out, after those of the tree's {@code .kpeignore};
 *                  {@code .git} is always left out
 * @param store     the directory in the pod, on the environment's volume, that holds the mirrors' data; the mirrored
 *                  path is made a symbolic link into it (the bundled template mounts its volume at /var/lib/docker)
 * @param timeout   bound on each command run in the pod
 */
public record SyncOptions(long sizeLimit, List<String> excludes, String store, Duration timeout) {
    /** 2 GiB. */
    public static final long DEFAULT_SIZE_LIMIT = 2L << 30;
    public static final String DEFAULT_STORE = "/var/lib/docker/kpe-sync";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    public SyncOptions {
        if (sizeLimit <= 0) {
            throw new InvalidInputException("sync size limit: must be positive, not " + sizeLimit + " bytes");
        }
        excludes = List.copyOf(Objects.requireNonNull(excludes, "excludes"));
        for (String pattern : excludes) {
            SyncExcludes.check(pattern);
        }
        Objects.requireNonNull(store, "store");
        if (!store.startsWith("/") || store.equals("/") || store.contains("/../") || store.endsWith("/..")
                || store.contains("\n") || store.endsWith("/")) {
            throw new InvalidInputException("sync store: '" + store + "' is not an absolute directory below / "
                    + "without '..' and without a trailing '/'");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("sync timeout: must be positive");
        }
    }

    public static SyncOptions defaults() {
        return new SyncOptions(DEFAULT_SIZE_LIMIT, List.of(), DEFAULT_STORE, DEFAULT_TIMEOUT);
    }

    public SyncOptions withSizeLimit(long bytes) {
        return new SyncOptions(bytes, excludes, store, timeout);
    }

    public SyncOptions withExcludes(List<String> patterns) {
        return new SyncOptions(sizeLimit, patterns, store, timeout);
    }

    public SyncOptions withStore(String directory) {
        return new SyncOptions(sizeLimit, excludes, directory, timeout);
    }

    public SyncOptions withTimeout(Duration bound) {
        return new SyncOptions(sizeLimit, excludes, store, bound);
    }
}
