package io.kubepodenv.engine.testing;

import java.time.Duration;
import java.util.Objects;

/**
 * How the pods that {@link FakeStatefulSetController} creates behave.
 *
 * @param mode what happens to the pod
 * @param readyAfter for {@link Mode#READY_AFTER}: how long the pod stays not ready
 */
public record PodBehaviour(Mode mode, Duration readyAfter) {

    /** The pod's fate. */
    public enum Mode {
        /** Running and Ready at once. */
        READY,
        /** Running, its container started, never Ready (a readiness probe that keeps failing). */
        NEVER_READY,
        /** Pending with the container waiting in ImagePullBackOff (may heal: not permanent). */
        IMAGE_PULL_BACK_OFF,
        /** Pending with the container waiting in InvalidImageName (permanent). */
        INVALID_IMAGE_NAME,
        /** Running but not ready, then Ready after {@link PodBehaviour#readyAfter()}. */
        READY_AFTER
    }

    public PodBehaviour {
        Objects.requireNonNull(mode);
        Objects.requireNonNull(readyAfter);
    }

    public static PodBehaviour ready() {
        return new PodBehaviour(Mode.READY, Duration.ZERO);
    }

    public static PodBehaviour neverReady() {
        return new PodBehaviour(Mode.NEVER_READY, Duration.ZERO);
    }

    public static PodBehaviour imagePullBackOff() {
        return new PodBehaviour(Mode.IMAGE_PULL_BACK_OFF, Duration.ZERO);
    }

    public static PodBehaviour invalidImageName() {
        return new PodBehaviour(Mode.INVALID_IMAGE_NAME, Duration.ZERO);
    }

    public static PodBehaviour readyAfter(Duration delay) {
        return new PodBehaviour(Mode.READY_AFTER, delay);
    }
}
