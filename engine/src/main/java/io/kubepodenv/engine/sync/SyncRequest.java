package io.kubepodenv.engine.sync;

import io.kubepodenv.engine.InvalidInputException;
import java.math.BigDecimal;
import java.util.List;

/**
 * What a block asked of the mirror, checked: whether to sync, with which size limit and excludes, and which paths to
 * copy back afterwards.
 */
public record SyncRequest(boolean enabled, SyncOptions options, List<String> back) {
    public SyncRequest {
        back = List.copyOf(back);
        back.forEach(WorkspaceSync::copyBackPath);
        if (!enabled && !back.isEmpty()) {
            throw new InvalidInputException("syncBack copies from the mirror that sync makes; add sync: true");
        }
    }

    public static SyncRequest none() {
        return new SyncRequest(false, SyncOptions.defaults(), List.of());
    }

    /**
     * From a block's parameters; null means not given.
     *
     * @param what names the parameters' origin in errors, e.g. "withKubePodEnv parameters"
     * @throws InvalidInputException naming the parameter and what to do
     */
    public static SyncRequest of(String what, Boolean sync, Double sizeLimitGib, List<String> excludes,
            List<String> back) {
        boolean enabled = Boolean.TRUE.equals(sync);
        List<String> ex = excludes == null ? List.of() : excludes;
        List<String> paths = back == null ? List.of() : back;
        if (!enabled && (sizeLimitGib != null || !ex.isEmpty())) {
            throw new InvalidInputException(what + ": syncSizeLimit and syncExclude apply to the mirror; add "
                    + "sync: true");
        }
        SyncOptions options = SyncOptions.defaults();
        if (sizeLimitGib != null) {
            if (sizeLimitGib.isNaN() || sizeLimitGib.isInfinite() || sizeLimitGib <= 0) {
                throw new InvalidInputException(what + ", syncSizeLimit: " + sizeLimitGib
                        + " is not a positive number of GiB");
            }
            options = options.withSizeLimit(BigDecimal.valueOf(sizeLimitGib)
                    .multiply(BigDecimal.valueOf(1L << 30)).longValue());
        }
        try {
            return new SyncRequest(enabled, options.withExcludes(ex), paths);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(what + ", " + e.getMessage(), e);
        }
    }
}
