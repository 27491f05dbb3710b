package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.cluster.EnvironmentDeleter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code down --wait}: every object of the environment, its claim included, is gone when it returns. */
class DownIT {
    private static final EnvironmentKey KEY = EnvironmentKey.of("it down");

    @Test
    void downWithWaitRemovesEveryObjectIncludingTheClaimAndReleasesTheVolume() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "down");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).build())) {
            ReadyEnvironment ready = engine.up(KEY, new RecordingListener("down up"));
            List<PersistentVolumeClaim> claims = admin.persistentVolumeClaims().inNamespace(ns.name()).list()
                .getItems();
            assertThat(claims).hasSize(1);
            PersistentVolumeClaim claim = claims.get(0);
            String volume = claim.getSpec().getVolumeName();
            assertThat(volume).isNotBlank();
            assertThat(ClusterAudit.managed(admin, ns.name())).extracting(ClusterAudit.Found::kind)
                .anyMatch(k -> k.endsWith(" StatefulSet")).anyMatch(k -> k.endsWith(" PersistentVolumeClaim"))
                .anyMatch(k -> k.endsWith(" Pod"));

            long started = System.nanoTime();
            EnvironmentDeleter.Result result = engine.down(KEY, true, new RecordingListener("down"));
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(took).isLessThan(engine.options().deleteTimeout().plusSeconds(30));
            assertThat(result.deleted()).contains("StatefulSet " + ready.environment().dockerHost(),
                "PersistentVolumeClaim " + claim.getMetadata().getName(),
                "ServiceAccount " + ready.environment().id() + "-sa",
                "ConfigMap " + ready.environment().id() + "-dc",
                "NetworkPolicy " + ready.environment().id() + "-deny-ingress");
            // Gone when down returned, across every kind the API server serves; pods and claims whatever their labels.
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after down --wait").isEmpty();
            assertThat(engine.list()).isEmpty();
            // The volume is no longer held by the claim (Released, then recycled to Available by the cluster).
            Waits.until("volume " + volume + " is no longer bound to claim " + claim.getMetadata().getName(),
                Duration.ofSeconds(60), () -> released(admin.persistentVolumes().withName(volume).get(), claim),
                () -> String.valueOf(admin.persistentVolumes().withName(volume).get().getStatus()));

            EnvironmentDeleter.Result again = engine.down(KEY, true, new RecordingListener("down again"));
            assertThat(again.deleted()).isEmpty();
        }
    }

    private static boolean released(PersistentVolume pv, PersistentVolumeClaim claim) {
        boolean heldByClaim = pv.getSpec().getClaimRef() != null
            && claim.getMetadata().getUid().equals(pv.getSpec().getClaimRef().getUid());
        String phase = pv.getStatus() == null ? null : pv.getStatus().getPhase();
        return "Released".equals(phase) || "Available".equals(phase) || !heldByClaim;
    }
}
