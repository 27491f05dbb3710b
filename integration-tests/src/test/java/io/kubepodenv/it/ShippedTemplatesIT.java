package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.TemplateSource;
import io.kubepodenv.engine.cluster.EnvironmentDeleter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every example template of {@code examples/templates} applied to the local control plane: the ones the cluster can
 * run become ready and go again without a trace; the ones that need what it lacks (a node pool, the Sysbox runtime)
 * fail within their ready timeout with the cluster's own reason, and leave nothing behind.
 */
class ShippedTemplatesIT {
    /** Long enough for the scheduler's or the StatefulSet controller's event, short enough to keep the tier fast. */
    private static final Duration FAILING_READY_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration ROLLBACK_TIMEOUT = Duration.ofSeconds(60);
    private static final String POOL_LABEL = "node-pool";
    private static final String POOL = "preview-environments";

    @Test
    void withDatabaseBecomesReadyOnTheDockerHostStatefulSetAndDownRemovesBothStatefulSetsAndClaims() {
        ControlPlane cluster = ControlPlane.require();
        EnvironmentKey key = EnvironmentKey.of("it with-database");
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "tpl-db");
            KubePodEnv engine = new KubePodEnv(admin, options(cluster, ns, "with-database").build())) {
            RecordingListener upListener = new RecordingListener("with-database up");
            ReadyEnvironment ready = engine.up(key, upListener);
            String id = ready.environment().id();

            // The docker host is the StatefulSet labelled docker-host, not the database that comes first.
            assertThat(ready.environment().dockerHost()).isEqualTo(id);
            assertThat(ready.pod()).isEqualTo(id + "-0");
            assertThat(upListener.text()).contains("the Docker server answers through the tunnel");
            Pod pod = admin.pods().inNamespace(ns.name()).withName(ready.pod()).get();
            assertThat(pod.getSpec().getContainers().get(0).getName()).isEqualTo("docker");
            assertThat(pod.getSpec().getNodeName()).isEqualTo(cluster.node());

            // The database's StatefulSet is the environment's too, and kwok makes its pod ready as well.
            Waits.until("StatefulSet " + id + "-db has its replica ready", Duration.ofSeconds(30),
                () -> readyReplicas(admin.apps().statefulSets().inNamespace(ns.name()).withName(id + "-db").get())
                    == 1,
                () -> String.valueOf(admin.apps().statefulSets().inNamespace(ns.name()).withName(id + "-db").get()
                    .getStatus()));
            Pod db = admin.pods().inNamespace(ns.name()).withName(id + "-db-0").get();
            assertThat(db.getSpec().getContainers().get(0).getName()).isEqualTo("postgres");

            // Both claims, the Docker server's and the database's, are bound and carry the environment's labels.
            Waits.until("both claims are bound", Duration.ofSeconds(30),
                () -> claims(admin, ns.name()).stream().filter(c -> "Bound".equals(phase(c))).count() == 2,
                () -> claims(admin, ns.name()).stream().map(c -> c.getMetadata().getName() + "=" + phase(c))
                    .toList().toString());
            assertThat(claims(admin, ns.name())).extracting(c -> c.getMetadata().getName())
                .containsExactlyInAnyOrder("data-" + id + "-0", "pgdata-" + id + "-db-0");
            assertThat(ClusterAudit.managed(admin, ns.name())).extracting(ClusterAudit.Found::toString)
                .anyMatch(f -> f.endsWith(" PersistentVolumeClaim pgdata-" + id + "-db-0"))
                .anyMatch(f -> f.endsWith(" Pod " + id + "-db-0"));

            EnvironmentDeleter.Result result = engine.down(key, true, new RecordingListener("with-database down"));

            assertThat(result.deleted()).contains("StatefulSet " + id, "StatefulSet " + id + "-db",
                "Secret " + id + "-db", "Service " + id + "-db", "ServiceAccount " + id + "-sa",
                "ConfigMap " + id + "-dc", "PersistentVolumeClaim data-" + id + "-0",
                "PersistentVolumeClaim pgdata-" + id + "-db-0");
            assertThat(ClusterAudit.managed(admin, ns.name())).as("objects of kube-pod-env left after down --wait")
                .isEmpty();
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after down --wait").isEmpty();
            assertThat(engine.list()).isEmpty();
        }
    }

    @Test
    void dedicatedNodesWithoutThePoolFailsWithTheSchedulersReasonAndLeavesNothing() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "tpl-pool");
            KubePodEnv engine = new KubePodEnv(admin, options(cluster, ns, "dedicated-nodes")
                .readyTimeout(FAILING_READY_TIMEOUT).build())) {
            assertThat(admin.nodes().withName(cluster.node()).get().getMetadata().getLabels())
                .as("labels of node " + cluster.node() + " (a previous run may have left the pool label)")
                .doesNotContainKey(POOL_LABEL);

            EnvironmentFailedException failure = catchThrowableOfType(
                () -> engine.up(EnvironmentKey.of("it dedicated-nodes"), new RecordingListener("dedicated-nodes up")),
                EnvironmentFailedException.class);

            assertThat(failure).as("up on a cluster without the node pool").isNotNull();
            System.out.println("[dedicated-nodes] " + failure.getMessage());
            assertThat(failure.getMessage())
                .contains("did not become ready within")
                .contains("Unschedulable")
                .contains("didn't match Pod's node affinity/selector")
                .contains("FailedScheduling");
            assertNothingLeft(admin, ns.name());
        }
    }

    @Test
    void dedicatedNodesOnANodeOfThePoolBecomesReady() {
        ControlPlane cluster = ControlPlane.require();
        EnvironmentKey key = EnvironmentKey.of("it dedicated-nodes pool");
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "tpl-pool-ok");
            KubePodEnv engine = new KubePodEnv(admin, options(cluster, ns, "dedicated-nodes").build())) {
            String node = cluster.node();
            assertThat(admin.nodes().withName(node).get().getMetadata().getLabels()).doesNotContainKey(POOL_LABEL);
            try {
                admin.nodes().withName(node).edit(n -> {
                    n.getMetadata().getLabels().put(POOL_LABEL, POOL);
                    return n;
                });
                ReadyEnvironment ready = engine.up(key, new RecordingListener("dedicated-nodes pool up"));

                Pod pod = admin.pods().inNamespace(ns.name()).withName(ready.pod()).get();
                assertThat(pod.getSpec().getNodeName()).isEqualTo(node);
                assertThat(pod.getSpec().getNodeSelector()).containsEntry(POOL_LABEL, POOL);
                engine.down(key, true, new RecordingListener("dedicated-nodes pool down"));
                assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after down --wait").isEmpty();
            } finally {
                admin.nodes().withName(node).edit(n -> {
                    n.getMetadata().getLabels().remove(POOL_LABEL);
                    return n;
                });
            }
            assertThat(admin.nodes().withName(node).get().getMetadata().getLabels()).doesNotContainKey(POOL_LABEL);
        }
    }

    @Test
    void rootlessSysboxWithoutItsRuntimeClassFailsWithTheRejectedPodCreationAndLeavesNothing() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "tpl-sysbox");
            KubePodEnv engine = new KubePodEnv(admin, options(cluster, ns, "rootless-sysbox")
                .readyTimeout(FAILING_READY_TIMEOUT).build())) {
            assertThat(admin.genericKubernetesResources("node.k8s.io/v1", "RuntimeClass").withName("sysbox-runc").get())
                .as("RuntimeClass sysbox-runc on the test cluster").isNull();

            EnvironmentFailedException failure = catchThrowableOfType(
                () -> engine.up(EnvironmentKey.of("it rootless-sysbox"), new RecordingListener("rootless-sysbox up")),
                EnvironmentFailedException.class);

            assertThat(failure).as("up on a cluster without Sysbox").isNotNull();
            System.out.println("[rootless-sysbox] " + failure.getMessage());
            assertThat(failure.getMessage())
                .contains("did not become ready within")
                .contains("no pod was created")
                .contains("FailedCreate")
                .contains("RuntimeClass \"sysbox-runc\" not found");
            assertNothingLeft(admin, ns.name());
        }
    }

    @Test
    void dockerTlsWithoutATlsServerBehindItsPortFailsNamingTheTlsPortAndLeavesNothing() {
        // The test cluster forwards only port 2375 of its pods, so no TLS server answers on 2376, as on a cluster
        // where the Docker server could not start TLS (its certificates missing).
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "tpl-tls");
            KubePodEnv engine = new KubePodEnv(admin, options(cluster, ns, "docker-tls")
                .readyTimeout(FAILING_READY_TIMEOUT).build())) {
            EnvironmentFailedException failure = catchThrowableOfType(
                () -> engine.up(EnvironmentKey.of("it docker-tls"), new RecordingListener("docker-tls up")),
                EnvironmentFailedException.class);

            assertThat(failure).as("up of the TLS template without a TLS server").isNotNull();
            System.out.println("[docker-tls] " + failure.getMessage());
            assertThat(failure.getMessage()).contains("does not answer on port 2376").contains("with TLS");
            assertNothingLeft(admin, ns.name());
        }
    }

    private static Options.Builder options(ControlPlane cluster, TestNamespace ns, String example) {
        Path file = ControlPlane.repository().resolve("examples/templates/" + example + ".yaml.j2");
        assertThat(Files.isRegularFile(file)).as("example template " + file).isTrue();
        return cluster.options(ns.name()).template(TemplateSource.fromFile(file));
    }

    /** The failed up's rollback deletes without waiting: pods and claims go through the controllers. */
    private static void assertNothingLeft(KubernetesClient admin, String namespace) {
        Waits.until("nothing is left of the failed environment in " + namespace, ROLLBACK_TIMEOUT,
            () -> ClusterAudit.leftovers(admin, namespace).isEmpty(),
            () -> ClusterAudit.leftovers(admin, namespace).toString());
    }

    private static List<PersistentVolumeClaim> claims(KubernetesClient admin, String namespace) {
        return admin.persistentVolumeClaims().inNamespace(namespace).list().getItems();
    }

    private static String phase(PersistentVolumeClaim claim) {
        return claim.getStatus() == null ? null : claim.getStatus().getPhase();
    }

    private static int readyReplicas(StatefulSet sts) {
        return sts == null || sts.getStatus() == null || sts.getStatus().getReadyReplicas() == null ? 0
            : sts.getStatus().getReadyReplicas();
    }
}
