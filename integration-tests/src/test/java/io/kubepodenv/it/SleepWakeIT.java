package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentActivity;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.EnvironmentState;
import io.kubepodenv.engine.IdleLimits;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.cluster.DockerHostActivity;
import io.kubepodenv.engine.cluster.EnvironmentApplier;
import io.kubepodenv.engine.lifecycle.CollectionPolicy;
import io.kubepodenv.engine.lifecycle.EnvironmentSleeper;
import io.kubepodenv.engine.lifecycle.EnvironmentLock;
import io.kubepodenv.engine.lifecycle.GarbageCollector;
import io.kubepodenv.engine.lifecycle.IdlePolicy;
import io.kubepodenv.engine.lifecycle.ReconcilePolicy;
import io.kubepodenv.engine.naming.InstanceIds;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.template.Manifest;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Sleeping environments on the real control plane, with the real StatefulSet controller: sleep removes the pod and
 * keeps the claim; the next up wakes it once, with the same claim; sleeping environments are deleted like the others;
 * the replica count is owned by one field manager, so re-applying the template neither wakes nor conflicts.
 */
class SleepWakeIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final EnvironmentKey KEY = EnvironmentKey.of("it sleep");

    @Test
    void sleepRemovesThePodAndKeepsTheClaim() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "sleep");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).build())) {
            ReadyEnvironment ready = engine.up(KEY, new RecordingListener("sleep up"));
            PersistentVolumeClaim claim = onlyClaim(admin, ns.name());

            RecordingListener listener = new RecordingListener("sleep");
            assertThat(engine.sleep(KEY, listener)).isEqualTo(EnvironmentSleeper.Outcome.SLEPT);

            assertThat(pods(admin, ns.name(), ready.environment().id())).as("pods after sleep").isEmpty();
            assertThat(onlyClaim(admin, ns.name()).getMetadata().getUid()).isEqualTo(claim.getMetadata().getUid());
            Environment listed = engine.list().get(0);
            assertThat(listed.state()).isEqualTo(EnvironmentState.SLEEPING);
            assertThat(listed.activity().lastUsed()).isPresent();
            assertThat(listed.activity().asleepSince()).isPresent();
            assertThat(engine.sleep(KEY, new RecordingListener("sleep again")))
                .isEqualTo(EnvironmentSleeper.Outcome.ALREADY_ASLEEP);
        }
    }

    @Test
    void theNextUpWakesItOnceWithTheSameClaimAndTheTunnelWorks() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "wake");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).build())) {
            engine.up(KEY, new RecordingListener("wake up"));
            String claimUid = onlyClaim(admin, ns.name()).getMetadata().getUid();
            engine.sleep(KEY, new RecordingListener("wake sleep"));

            RecordingListener first = new RecordingListener("wake re-up");
            ReadyEnvironment woken = engine.up(KEY, first);
            RecordingListener second = new RecordingListener("wake re-up again");
            ReadyEnvironment again = engine.up(KEY, second);

            assertThat(woken.reused()).isTrue();
            assertThat(first.text()).contains("waking environment " + woken.environment().id() + " (asleep for ")
                .contains("woke environment " + woken.environment().id() + ": waking took ");
            assertThat(second.text()).doesNotContain("waking").contains("reusing environment");
            assertThat(again.environment().id()).isEqualTo(woken.environment().id());
            assertThat(engine.list().get(0).state()).isEqualTo(EnvironmentState.READY);
            assertThat(onlyClaim(admin, ns.name()).getMetadata().getUid()).isEqualTo(claimUid);
            Pod pod = admin.pods().inNamespace(ns.name()).withName(woken.pod()).get();
            assertThat(pod.getSpec().getVolumes()).anyMatch(v -> v.getPersistentVolumeClaim() != null
                && v.getPersistentVolumeClaim().getClaimName().equals(onlyClaim(admin, ns.name()).getMetadata()
                    .getName()));
            try (DockerTunnel tunnel = DockerTunnel.open(admin, ns.name(),
                new StatefulSetPodLocator(admin, ns.name(), woken.environment().dockerHost()),
                TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60)))) {
                String version = new DockerCli(tunnel.dockerHost())
                    .ok(Duration.ofMinutes(1), "version", "--format", "{{.Server.Version}}").output();
                assertThat(version).matches("\\d+\\.\\d+.*");
            }
        }
    }

    @Test
    void reapplyingTheUnchangedTemplateToASleepingEnvironmentNeitherWakesItNorConflicts() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "sleep-ssa")) {
            Options options = cluster.options(ns.name()).build();
            try (KubePodEnv engine = new KubePodEnv(admin, options)) {
                ReadyEnvironment ready = engine.up(KEY, new RecordingListener("ssa up"));
                engine.sleep(KEY, new RecordingListener("ssa sleep"));
                String sts = ready.environment().dockerHost();
                Manifest same = KubePodEnv.render(options, KEY, Optional.of(ready.environment().id()));

                new EnvironmentApplier(admin, options).apply(same, new RecordingListener("ssa re-apply"));

                StatefulSet after = admin.apps().statefulSets().inNamespace(ns.name()).withName(sts).get();
                assertThat(after.getSpec().getReplicas()).as("replicas after re-applying the template").isZero();
                assertThat(managersOfReplicas(after)).containsExactly(DockerHostActivity.FIELD_MANAGER);
                assertThat(engine.list().get(0).state()).isEqualTo(EnvironmentState.SLEEPING);

                // What the applier avoids: the template's object with its replicas, applied as is, conflicts.
                HasMetadata withReplicas = admin.getKubernetesSerialization().unmarshal(
                    admin.getKubernetesSerialization().asJson(same.dockerHost().content()), HasMetadata.class);
                assertThatThrownBy(() -> admin.resource(withReplicas).inNamespace(ns.name())
                    .fieldManager(options.fieldManager()).serverSideApply())
                    .isInstanceOf(KubernetesClientException.class)
                    .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409))
                    .hasMessageContaining(".spec.replicas");
            }
        }
    }

    @Test
    void downDeletesASleepingEnvironmentClaimsIncluded() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "sleep-down");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).build())) {
            engine.up(KEY, new RecordingListener("sleep-down up"));
            engine.sleep(KEY, new RecordingListener("sleep-down sleep"));

            assertThat(engine.down(KEY, true, new RecordingListener("sleep-down down")).deleted())
                .anyMatch(d -> d.startsWith("PersistentVolumeClaim ")).anyMatch(d -> d.startsWith("StatefulSet "));
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after down").isEmpty();
        }
    }

    @Test
    void gcDeletesASleepingEnvironmentWhoseKeyIsNoLongerAlive() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "sleep-gc");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).build())) {
            engine.up(KEY, new RecordingListener("sleep-gc up"));
            engine.sleep(KEY, new RecordingListener("sleep-gc sleep"));

            GarbageCollector.Sweep sweep = new GarbageCollector(admin, ns.name(), Clock.systemUTC())
                .sweep(new CollectionPolicy(Optional.empty(), Optional.of(Set.of()), Optional.empty()), false, true,
                    TIMEOUT, new RecordingListener("sleep-gc gc"));

            assertThat(sweep.collected()).hasSize(1);
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after gc").isEmpty();
        }
    }

    @Test
    void anEnvironmentUnusedForLongerThanItsMaxIdleIsDeletedAndAYoungerOneKept() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "max-idle");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).maxIdle("1d").build())) {
            engine.up(KEY, new RecordingListener("max-idle up"));
            assertThat(engine.list().get(0).activity().limits().maxIdle()).contains(Duration.ofDays(1));
            // The key is alive and the environment young: only the idle time can condemn it.
            CollectionPolicy alive = new CollectionPolicy(Optional.empty(), Optional.of(Set.of(KEY)),
                Optional.of(Duration.ofDays(30)));

            GarbageCollector.Sweep soon = new GarbageCollector(admin, ns.name(),
                Clock.offset(Clock.systemUTC(), Duration.ofHours(23))).sweep(alive, false, true, TIMEOUT,
                    new RecordingListener("max-idle gc after 23h"));
            assertThat(soon.collected()).isEmpty();

            GarbageCollector.Sweep later = new GarbageCollector(admin, ns.name(),
                Clock.offset(Clock.systemUTC(), Duration.ofHours(25))).sweep(alive, false, true, TIMEOUT,
                    new RecordingListener("max-idle gc after 25h"));
            assertThat(later.collected()).singleElement()
                .satisfies(v -> assertThat(v.reason()).contains("max idle"));
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after gc").isEmpty();
        }
    }

    @Test
    void anEnvironmentPastItsMaxIdleIsNotDeletedWhileAnUpOfItsKeyHoldsTheLock() throws Exception {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "idle-lock")) {
            Options options = cluster.options(ns.name()).maxIdle("1d").build();
            String id;
            // The first build ran two days ago (by its clock), recording a max idle of one day.
            try (KubePodEnv earlier = new KubePodEnv(admin, options,
                Clock.offset(Clock.systemUTC(), Duration.ofDays(-2)), new InstanceIds())) {
                id = earlier.up(KEY, new RecordingListener("idle-lock first up")).environment().id();
            }
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            RecordingListener upLog = new RecordingListener("idle-lock second up") {
                @Override
                public void progress(String message) {
                    super.progress(message);
                    if (message.startsWith("ready: pod")) {
                        holding.countDown(); // the up holds the key's lock until it returns
                        awaitQuietly(release);
                    }
                }
            };
            AtomicReference<CompletableFuture<ReadyEnvironment>> secondUp = new AtomicReference<>();
            RecordingListener gcLog = new RecordingListener("idle-lock reconcile");
            try (KubePodEnv build = new KubePodEnv(admin, options)) {
                String owner = build.options().owner();
                GarbageCollector.Reconciliation result;
                try {
                    // The policy is asked after the listing: a new build's up of the key starts in between, and is
                    // still running (holding the lock) when the reconciler comes to delete.
                    result = new GarbageCollector(admin, ns.name(), Clock.systemUTC()).reconcile(() -> {
                        secondUp.set(CompletableFuture.supplyAsync(() -> build.up(KEY, upLog)));
                        awaitQuietly(holding);
                        assertThat(holding.getCount()).as("the second up holds the lock").isZero();
                        return new ReconcilePolicy(owner, Set.of(KEY), key -> false, ReconcilePolicy.everything(),
                            Optional.empty());
                    }, false, true, TIMEOUT, gcLog);
                } finally {
                    release.countDown();
                }
                ReadyEnvironment ready = secondUp.get().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

                assertThat(result.with(ReconcilePolicy.Action.DELETE)).as("condemned from the listing")
                    .extracting(d -> d.environment().id()).containsExactly(id);
                assertThat(result.deleted()).isEmpty();
                assertThat(result.spared()).singleElement()
                    .satisfies(s -> assertThat(s.reason()).contains("lock is held by"));
                assertThat(gcLog.text()).contains("leaving " + id);
                assertThat(ready.environment().id()).isEqualTo(id);
                assertThat(build.list()).singleElement().satisfies(e -> {
                    assertThat(e.id()).isEqualTo(id);
                    assertThat(e.state()).isEqualTo(EnvironmentState.READY);
                });
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void theReconcilerPutsAnIdleEnvironmentToSleepButNeverWhileABuildOfItsKeyRuns() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "sleep-reconcile");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).sleepAfter("2h").build())) {
            ReadyEnvironment ready = engine.up(KEY, new RecordingListener("reconcile up"));
            String claimUid = onlyClaim(admin, ns.name()).getMetadata().getUid();
            String owner = engine.options().owner();
            // Three hours later by the reconciler's clock: idle beyond the 2h the build recorded.
            GarbageCollector reconciler = new GarbageCollector(admin, ns.name(),
                Clock.offset(Clock.systemUTC(), Duration.ofHours(3)));

            GarbageCollector.Reconciliation busy = reconciler.reconcile(() -> new ReconcilePolicy(owner, Set.of(KEY),
                key -> true, ReconcilePolicy.everything(), Optional.empty()), false, true, TIMEOUT,
                new RecordingListener("reconcile while a build runs"));
            assertThat(busy.decisions()).singleElement()
                .satisfies(d -> assertThat(d.action()).isEqualTo(ReconcilePolicy.Action.KEEP));
            assertThat(engine.list().get(0).state()).isEqualTo(EnvironmentState.READY);

            GarbageCollector.Reconciliation idle = reconciler.reconcile(() -> new ReconcilePolicy(owner, Set.of(KEY),
                key -> false, ReconcilePolicy.everything(), Optional.empty()), false, true, TIMEOUT,
                new RecordingListener("reconcile idle"));
            assertThat(idle.with(ReconcilePolicy.Action.SLEEP)).hasSize(1);
            assertThat(engine.list().get(0).state()).isEqualTo(EnvironmentState.SLEEPING);
            assertThat(pods(admin, ns.name(), ready.environment().id())).isEmpty();
            assertThat(onlyClaim(admin, ns.name()).getMetadata().getUid()).isEqualTo(claimUid);

            // A wake by hand, with no idle setting of its own, keeps the limit the build recorded.
            try (KubePodEnv byHand = new KubePodEnv(admin, cluster.options(ns.name()).build())) {
                byHand.wake(KEY, new RecordingListener("reconcile wake by hand"));
                assertThat(byHand.list().get(0).activity().limits().sleepAfter()).contains(Duration.ofHours(2));
            }
        }
    }

    @Test
    void anEnvironmentFoundIdleButUsedBeforeTheSleepTakesTheLockStaysAwake() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "sleep-used");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).build());
            EnvironmentLock lock = new EnvironmentLock(admin, ns.name(), "test reconciler",
                EnvironmentLock.DEFAULT_LEASE_DURATION, Clock.systemUTC())) {
            engine.up(KEY, new RecordingListener("used up"));
            // What a reconciler saw earlier: the same environment, last used two hours ago.
            Environment seen = engine.list().get(0);
            Environment stale = seen.withActivity(new EnvironmentActivity(false,
                Optional.of(Instant.now().minus(Duration.ofHours(2))), Optional.empty(), IdleLimits.NONE));
            IdlePolicy oneHour = new IdlePolicy(new IdleLimits(Optional.of(Duration.ofHours(1)), Optional.empty()));
            assertThat(oneHour.sleep(stale, Instant.now())).as("idle as the reconciler saw it").isPresent();

            EnvironmentSleeper.Outcome outcome = new EnvironmentSleeper(admin, ns.name(), lock, Clock.systemUTC(),
                TIMEOUT).sleepIfIdle(stale, oneHour, new RecordingListener("used sleep"));

            assertThat(outcome).isEqualTo(EnvironmentSleeper.Outcome.USED_SINCE);
            assertThat(engine.list().get(0).state()).isEqualTo(EnvironmentState.READY);
        }
    }

    @Test
    void anUpThatStartsWhileTheEnvironmentIsPutToSleepGetsAReadyEnvironment() throws Exception {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "sleep-race");
            KubePodEnv reconciler = new KubePodEnv(admin, cluster.options(ns.name()).build());
            KubePodEnv build = new KubePodEnv(admin, cluster.options(ns.name()).build())) {
            String claimUid;
            build.up(KEY, new RecordingListener("race first up"));
            claimUid = onlyClaim(admin, ns.name()).getMetadata().getUid();

            CountDownLatch sleeping = new CountDownLatch(1);
            RecordingListener sleepLog = new RecordingListener("race sleep") {
                @Override
                public void progress(String message) {
                    super.progress(message);
                    if (message.startsWith("putting environment")) {
                        sleeping.countDown(); // the sleep holds the key's lock from here until the pod is gone
                    }
                }
            };
            CompletableFuture<EnvironmentSleeper.Outcome> sleep =
                CompletableFuture.supplyAsync(() -> reconciler.sleep(KEY, sleepLog));
            assertThat(sleeping.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the sleep started").isTrue();

            RecordingListener upLog = new RecordingListener("race up");
            ReadyEnvironment ready = build.up(KEY, upLog);

            assertThat(sleep.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(EnvironmentSleeper.Outcome.SLEPT);
            assertThat(upLog.text()).contains("woke environment");
            Pod pod = admin.pods().inNamespace(ns.name()).withName(ready.pod()).get();
            assertThat(pod.getStatus().getConditions()).anyMatch(c -> "Ready".equals(c.getType())
                && "True".equals(c.getStatus()));
            assertThat(build.list().get(0).state()).isEqualTo(EnvironmentState.READY);
            assertThat(onlyClaim(admin, ns.name()).getMetadata().getUid()).isEqualTo(claimUid);
        }
    }

    private static PersistentVolumeClaim onlyClaim(KubernetesClient admin, String namespace) {
        List<PersistentVolumeClaim> claims = admin.persistentVolumeClaims().inNamespace(namespace).list().getItems();
        assertThat(claims).hasSize(1);
        return claims.get(0);
    }

    private static List<Pod> pods(KubernetesClient admin, String namespace, String id) {
        return admin.pods().inNamespace(namespace).withLabel(ObjectLabels.INSTANCE, id).list().getItems();
    }

    /** The field managers of {@code spec.replicas} (the controller's status entry, with its own replicas, aside). */
    private static List<String> managersOfReplicas(StatefulSet sts) {
        return sts.getMetadata().getManagedFields().stream()
            .filter(m -> !"status".equals(m.getSubresource()))
            .filter(m -> m.getFieldsV1() != null && String.valueOf(m.getFieldsV1().getAdditionalProperties())
                .contains("f:replicas"))
            .map(ManagedFieldsEntry::getManager)
            .toList();
    }
}
