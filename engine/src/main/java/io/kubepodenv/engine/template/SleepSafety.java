package io.kubepodenv.engine.template;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What sleeping needs of the docker-host StatefulSet: the Docker server's data on a volume claim that survives the
 * scale-down to 0 replicas. Checked on the template before a build that may sleep applies it, and on the live
 * StatefulSet before an environment is put to sleep.
 */
public final class SleepSafety {
    private SleepSafety() {
    }

    /**
     * Why a StatefulSet with these settings cannot sleep without losing its data; empty when it can.
     *
     * @param hasClaims whether it has volume claim templates
     * @param whenScaled its {@code persistentVolumeClaimRetentionPolicy.whenScaled}, when set (unset means Retain)
     */
    public static Optional<String> hazard(boolean hasClaims, Optional<String> whenScaled) {
        if (!hasClaims) {
            return Optional.of("the docker-host StatefulSet has no volumeClaimTemplates, so its Docker data lives in "
                + "the pod and would be lost while it sleeps; give it a volume claim template");
        }
        if (whenScaled.isPresent() && "Delete".equals(whenScaled.get())) {
            return Optional.of("the docker-host StatefulSet has persistentVolumeClaimRetentionPolicy.whenScaled: "
                + "Delete, so its volume claim (and the Docker data) would be deleted when it sleeps; set whenScaled: "
                + "Retain (whenDeleted: Delete still deletes the claim with the environment)");
        }
        return Optional.empty();
    }

    /** The hazard of a rendered docker-host StatefulSet's {@code spec}. */
    static Optional<String> hazard(Map<?, ?> spec) {
        boolean hasClaims = spec.get("volumeClaimTemplates") instanceof List<?> claims && !claims.isEmpty();
        Map<String, Object> policy = EnvironmentTemplate.mapAt(spec, "persistentVolumeClaimRetentionPolicy");
        Optional<String> whenScaled = policy == null ? Optional.empty()
            : Optional.ofNullable(policy.get("whenScaled")).map(String::valueOf);
        return hazard(hasClaims, whenScaled);
    }
}
