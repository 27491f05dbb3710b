package io.kubepodenv.engine.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubepodenv.engine.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncRequestTest {
    private static final String WHAT = "withKubePodEnv parameters";

    @Test
    void nothingGivenMeansNoSync() {
        SyncRequest r = SyncRequest.of(WHAT, null, null, null, null);
        assertThat(r.enabled()).isFalse();
        assertThat(r.back()).isEmpty();
    }

    @Test
    void takesTheLimitInGibTheExcludesAndTheCopyBackPaths() {
        SyncRequest r = SyncRequest.of(WHAT, true, 0.5, List.of("node_modules"), List.of("reports", "coverage/"));
        assertThat(r.options().sizeLimit()).isEqualTo(512L << 20);
        assertThat(r.options().excludes()).containsExactly("node_modules");
        assertThat(r.back()).containsExactly("reports", "coverage/");
    }

    @Test
    void syncBackWithoutSyncIsBadInput() {
        assertThatThrownBy(() -> SyncRequest.of(WHAT, false, null, null, List.of("reports")))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("add sync: true");
    }

    @Test
    void aCopyBackPathOutsideTheWorkspaceIsBadInputNamingTheOrigin() {
        assertThatThrownBy(() -> SyncRequest.of(WHAT, true, null, null, List.of("/etc")))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining(WHAT + ", sync back: '/etc' is not a path inside the workspace");
    }

    @Test
    void aNonPositiveLimitIsBadInput() {
        assertThatThrownBy(() -> SyncRequest.of(WHAT, true, 0.0, null, null))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("syncSizeLimit: 0.0 is not a positive number of GiB");
    }
}
