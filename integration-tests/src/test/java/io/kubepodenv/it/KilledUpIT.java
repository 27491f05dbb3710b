package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.TemplateSource;
import io.kubepodenv.engine.cluster.EnvironmentRecord;
import io.kubepodenv.engine.lifecycle.CollectionPolicy;
import io.kubepodenv.engine.lifecycle.GarbageCollector;
import io.kubepodenv.engine.lifecycle.ReconcilePolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process running {@code up} that is killed (SIGKILL: no rollback, no lock release) at any step leaves nothing that
 * garbage collection does not delete, through the environment's record: the template's objects (custom kinds
 * included), the claim the StatefulSet controller made, and the lock, once it has expired. The cluster's own garbage
 * collector runs here, so objects owned by the record go with it.
 */
class KilledUpIT {
    /** Objects of kinds the bundled template does not have, in front of it. */
    private static final String CUSTOM_OBJECTS = """
        apiVersion: v1
        kind: Service
        metadata:
          name: {{ id }}-svc
        spec:
          ports:
          - port: 2375
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: {{ id }}-secret
        stringData:
          token: not-a-real-one
        """;
    private static final TemplateSource TEMPLATE = Templates.prepending("custom objects", CUSTOM_OBJECTS);
    /** The progress lines of up, in order, after which a kill leaves something different behind. */
    private static final List<String> STEPS = List.of("creating environment", "recorded environment",
        "applied Service ", "applied Secret ", "applied ServiceAccount ", "applied ConfigMap ",
        "applied NetworkPolicy ", "applied StatefulSet ", "waiting for StatefulSet");
    private static final Duration LONG = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void gcAfterUpWasKilledAtEachStepLeavesNothingClaimsLocksAndCustomObjectsIncluded() throws Exception {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient(); TestNamespace ns = TestNamespace.create(admin, "killed")) {
            Map<String, EnvironmentKey> killed = killAtEachOf(STEPS, cluster, ns.name());
            assertLeftBehind(admin, cluster, ns.name(), killed);
            awaitLocksExpired(admin, ns.name(), killed.size());

            GarbageCollector.Sweep sweep = new GarbageCollector(admin, ns.name(), Clock.systemUTC()).sweep(
                new CollectionPolicy(Optional.of("kpe-it"), Optional.of(Set.of()), Optional.empty()), false, true,
                LONG, new RecordingListener("gc"));

            assertThat(sweep.collected()).hasSize(killed.size() - 1); // the first kill left only its lock
            awaitNothingLeft(admin, ns.name());
        }
    }

    @Test
    void theReconcilerAfterUpWasKilledLeavesNothing() throws Exception {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "killed-rec")) {
            Map<String, EnvironmentKey> killed = killAtEachOf(List.of("creating environment", "recorded environment",
                "applied Secret ", "applied StatefulSet "), cluster, ns.name());
            assertLeftBehind(admin, cluster, ns.name(), killed);
            awaitLocksExpired(admin, ns.name(), killed.size());

            GarbageCollector.Reconciliation result = new GarbageCollector(admin, ns.name(), Clock.systemUTC())
                .reconcile(() -> new ReconcilePolicy("kpe-it", Set.of(), k -> false, ReconcilePolicy.everything(),
                    Optional.empty()), false, false, LONG, new RecordingListener("reconcile"));

            assertThat(result.with(ReconcilePolicy.Action.DELETE)).hasSize(killed.size() - 1);
            awaitNothingLeft(admin, ns.name());
        }
    }

    @Test
    void deletingTheRecordAloneLetsTheClustersGarbageCollectorDeleteEverythingElse() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient(); TestNamespace ns = TestNamespace.create(admin, "record");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).template(TEMPLATE).build(),
                DockerServerCheck.POD_READY_ONLY)) {
            ReadyEnvironment ready = engine.up(EnvironmentKey.of("it record"), new RecordingListener("up"));
            assertThat(admin.persistentVolumeClaims().inNamespace(ns.name()).list().getItems()).singleElement()
                .satisfies(c -> assertThat(c.getMetadata().getOwnerReferences()).extracting(r -> r.getName())
                    .contains(EnvironmentRecord.name(ready.environment().id())));
            assertThat(ClusterAudit.managed(admin, ns.name())).extracting(ClusterAudit.Found::kind)
                .anyMatch(k -> k.endsWith(" Service")).anyMatch(k -> k.endsWith(" Secret"));

            admin.configMaps().inNamespace(ns.name()).withName(EnvironmentRecord.name(ready.environment().id()))
                .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();

            awaitNothingLeft(admin, ns.name());
        }
    }

    @Test
    void anEnvironmentMadeBeforeRecordsExistedIsStillFoundAndCollected() {
        ControlPlane cluster = ControlPlane.require();
        EnvironmentKey key = EnvironmentKey.of("it before records");
        try (KubernetesClient admin = cluster.adminClient(); TestNamespace ns = TestNamespace.create(admin, "legacy");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).build(),
                DockerServerCheck.POD_READY_ONLY)) {
            ReadyEnvironment ready = engine.up(key, new RecordingListener("up"));
            String id = ready.environment().id();
            // What an environment of an earlier version is: the same objects, no record, no owner references.
            admin.configMaps().inNamespace(ns.name()).withName(EnvironmentRecord.name(id))
                .withPropagationPolicy(DeletionPropagation.ORPHAN).delete();
            Waits.until("the record is gone and its objects are orphaned", LONG,
                () -> admin.configMaps().inNamespace(ns.name()).withName(EnvironmentRecord.name(id)).get() == null
                    && admin.apps().statefulSets().inNamespace(ns.name()).withName(id).get().getMetadata()
                        .getOwnerReferences().isEmpty(),
                () -> String.valueOf(admin.apps().statefulSets().inNamespace(ns.name()).withName(id).get()
                    .getMetadata().getOwnerReferences()));

            assertThat(engine.list()).singleElement().satisfies(e -> {
                assertThat(e.id()).isEqualTo(id);
                assertThat(e.key()).isEqualTo(key);
                assertThat(e.complete()).isTrue();
                assertThat(e.dockerHost()).isEqualTo(id);
            });
            assertThat(engine.find(key)).map(Environment::id).contains(id);

            GarbageCollector.Sweep sweep = new GarbageCollector(admin, ns.name(), Clock.systemUTC()).sweep(
                new CollectionPolicy(Optional.of("kpe-it"), Optional.of(Set.of()), Optional.empty()), false, true,
                LONG, new RecordingListener("gc"));

            assertThat(sweep.collected()).hasSize(1);
            awaitNothingLeft(admin, ns.name());
        }
    }

    /** Runs one up process per step, each with its own key, and kills it (SIGKILL) when it reaches the step. */
    private Map<String, EnvironmentKey> killAtEachOf(List<String> steps, ControlPlane cluster, String namespace)
        throws IOException, InterruptedException {
        Path template = dir.resolve("template.yaml.j2");
        Files.writeString(template, TEMPLATE.text());
        Map<String, EnvironmentKey> killed = new LinkedHashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            EnvironmentKey key = EnvironmentKey.of("it killed " + i);
            killAt(steps.get(i), namespace, key, template);
            killed.put(steps.get(i), key);
        }
        return killed;
    }

    private static void killAt(String step, String namespace, EnvironmentKey key, Path template)
        throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", KilledUp.class.getName(), namespace, key.value(),
            template.toString(), step).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    System.out.println("[up '" + key + "'] " + line);
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("output lost: " + e);
            }
            lines.add("<end of output>");
        });
        reader.start();
        try {
            long deadline = System.nanoTime() + LONG.toNanos();
            List<String> seen = new ArrayList<>();
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || line.equals("<end of output>")) {
                    throw new AssertionError("up of '" + key + "' did not reach '" + step + "'; its output: " + seen);
                }
                seen.add(line);
                if (line.startsWith(KilledUp.STOPPED + step)) {
                    break;
                }
            }
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the killed process ended").isTrue();
            reader.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
    }

    /** What the kills left: every lock, and an environment (incomplete until the last step) for each record. */
    private static void assertLeftBehind(KubernetesClient admin, ControlPlane cluster, String namespace,
        Map<String, EnvironmentKey> killed) {
        assertThat(admin.leases().inNamespace(namespace).list().getItems()).hasSize(killed.size());
        try (KubePodEnv engine = new KubePodEnv(admin, cluster.options(namespace).build())) {
            List<Environment> listed = engine.list();
            killed.forEach((step, key) -> {
                Optional<Environment> found = listed.stream().filter(e -> e.key().equals(key)).findFirst();
                if (step.equals("creating environment")) {
                    assertThat(found).as("killed before its record: only its lock is left").isEmpty();
                } else {
                    assertThat(found).as("the environment of the up killed after '" + step + "'").hasValueSatisfying(
                        e -> assertThat(e.complete()).as(step).isEqualTo(step.equals("waiting for StatefulSet")));
                }
            });
        }
        if (killed.containsKey("applied Secret ")) {
            assertThat(ClusterAudit.managed(admin, namespace)).extracting(ClusterAudit.Found::kind)
                .anyMatch(k -> k.endsWith(" Service")).anyMatch(k -> k.endsWith(" Secret"));
        }
    }

    /** Waits (bounded) until the killed processes' locks expired: nobody renews them. */
    private static void awaitLocksExpired(KubernetesClient admin, String namespace, int count) {
        Waits.until(count + " locks expired", LONG, () -> {
            List<Lease> leases = admin.leases().inNamespace(namespace).list().getItems();
            ZonedDateTime now = ZonedDateTime.now(java.time.ZoneOffset.UTC);
            return leases.size() == count && leases.stream().allMatch(l -> l.getSpec().getRenewTime()
                .plusSeconds(l.getSpec().getLeaseDurationSeconds()).isBefore(now));
        }, () -> String.valueOf(admin.leases().inNamespace(namespace).list().getItems().stream()
            .map(l -> l.getMetadata().getName() + " renewed " + l.getSpec().getRenewTime()).toList()));
    }

    /** Waits (bounded) until nothing is left: objects of ours of any kind, pods, claims, leases. */
    private static void awaitNothingLeft(KubernetesClient admin, String namespace) {
        Waits.until("nothing is left in " + namespace, LONG, () -> ClusterAudit.leftovers(admin, namespace).isEmpty(),
            () -> String.valueOf(ClusterAudit.leftovers(admin, namespace)));
    }
}
