package io.kubepodenv.engine.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.TemplateSource;
import io.kubepodenv.engine.naming.InstanceIds;
import io.kubepodenv.engine.naming.ObjectLabels;
import io.kubepodenv.engine.template.EnvironmentTemplate;
import io.kubepodenv.engine.testing.ApplyPatchShimDispatcher;
import io.kubepodenv.engine.testing.ApplyPatchShimDispatcher.Call;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.MockClusterExtension;
import io.kubepodenv.engine.testing.PodBehaviour;
import io.kubepodenv.engine.testing.RecordingListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KubePodEnvUpTest {
    private static final EnvironmentKey KEY = EnvironmentKey.of("org/repo/PR-7");
    private static final Duration SETTLE = Duration.ofSeconds(3);

    @RegisterExtension
    final MockClusterExtension mock = new MockClusterExtension();

    private final RecordingListener listener = new RecordingListener();

    private MockCluster cluster() {
        return mock.cluster();
    }

    private KubePodEnv engine(Options options) {
        // No Docker server behind the mock: readiness ends at the pod's Ready condition (KubePodEnvDockerTest
        // covers the ping through the tunnel).
        return new KubePodEnv(cluster().client(), options, DockerServerCheck.POD_READY_ONLY);
    }

    private ReadyEnvironment up(Options options) {
        try (KubePodEnv engine = engine(options)) {
            return engine.up(KEY, Map.of("pr-url", "https://example.com/pr/7"), listener);
        }
    }

    static String resource(String name) {
        try (InputStream in = KubePodEnvUpTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isLease(Call call) {
        return call.resourcePath().contains("/leases");
    }

    /** Writes of the environment's record: its creation and its completion mark. */
    private static boolean isRecord(Call call) {
        return call.resourcePath().contains("/configmaps/" + EnvironmentTemplate.RECORD_PREFIX)
            || call.body() != null && call.body().contains(ObjectLabels.RECORD_COMPONENT);
    }

    private List<Call> engineWritesExceptLeases() {
        return cluster().engineRequests().stream().filter(Call::isWrite).filter(c -> !isLease(c)).toList();
    }

    private List<Call> templateWrites() {
        return engineWritesExceptLeases().stream().filter(c -> !isRecord(c)).toList();
    }

    @Test
    void upCreatesEveryObjectOfTheTemplateAndTheControllerMakesItsPodAndClaim() {
        ReadyEnvironment ready = up(cluster().options().build());
        String id = ready.environment().id();
        assertThat(ready.reused()).isFalse();
        assertThat(ready.pod()).isEqualTo(id + "-0");
        assertThat(cluster().managedObjectNames()).containsExactlyInAnyOrder("ConfigMap/kube-pod-env-" + id,
            "ConfigMap/" + id + "-dc",
            "NetworkPolicy/" + id + "-deny-ingress", "PersistentVolumeClaim/data-" + id + "-0", "Pod/" + id + "-0",
            "ServiceAccount/" + id + "-sa", "StatefulSet/" + id);
    }

    @Test
    void everyAppliedObjectCarriesTheIdentityLabelsAndAnnotations() {
        ReadyEnvironment ready = up(cluster().options().build());
        List<GenericKubernetesResource> applied = cluster().managedObjects().stream()
            .filter(o -> !o.getKind().equals("Pod") && !o.getKind().equals("PersistentVolumeClaim")).toList();
        assertThat(applied).hasSize(5); // the template's four objects and the environment's record
        for (GenericKubernetesResource object : applied) {
            assertThat(object.getMetadata().getLabels())
                .containsEntry(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE)
                .containsEntry(ObjectLabels.INSTANCE, ready.environment().id())
                .containsEntry(ObjectLabels.KEY, KEY.labelValue())
                .containsEntry(ObjectLabels.KEY_HASH, KEY.hash())
                .containsEntry(ObjectLabels.OWNER, "kpe");
            assertThat(object.getMetadata().getAnnotations())
                .containsEntry(ObjectLabels.KEY_ANNOTATION, KEY.value())
                .containsEntry(ObjectLabels.TEMPLATE_HASH, ready.environment().templateHash())
                .containsEntry(ObjectLabels.ATTRIBUTE_PREFIX + "pr-url", "https://example.com/pr/7")
                .containsKey(ObjectLabels.CREATED_AT);
        }
    }

    @Test
    void everyTemplateObjectAndClaimTemplateIsOwnedByTheRecordWhichIsCreatedFirst() {
        ReadyEnvironment ready = up(cluster().options().build());
        String record = EnvironmentTemplate.RECORD_PREFIX + ready.environment().id();
        ConfigMap recordMap = cluster().fixtureClient().configMaps().withName(record).get();
        assertThat(recordMap.getMetadata().getLabels()).containsEntry(ObjectLabels.COMPONENT,
            ObjectLabels.RECORD_COMPONENT);
        assertThat(recordMap.getMetadata().getAnnotations()).containsEntry(ObjectLabels.COMPLETE, "true")
            .containsEntry(ObjectLabels.DOCKER_HOST, ready.environment().dockerHost());
        List<Call> writes = engineWritesExceptLeases();
        assertThat(writes.get(0).method()).isEqualTo("POST");
        assertThat(writes.get(0).body()).contains(record);
        List<GenericKubernetesResource> owned = cluster().managedObjects().stream()
            .filter(o -> !o.getKind().equals("Pod") && !o.getKind().equals("PersistentVolumeClaim")
                && !o.getMetadata().getName().equals(record)).toList();
        assertThat(owned).hasSize(4);
        // The mock's StatefulSet controller does not copy claim templates' metadata; the real one does (see the
        // integration tests), so the claim template is checked here.
        io.fabric8.kubernetes.api.model.apps.StatefulSet set = cluster().fixtureClient().apps().statefulSets()
            .withName(ready.environment().dockerHost()).get();
        assertThat(set.getSpec().getVolumeClaimTemplates()).singleElement().satisfies(c -> assertThat(
            c.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> assertThat(r.getUid())
                .isEqualTo(recordMap.getMetadata().getUid())));
        assertThat(owned).allSatisfy(o -> assertThat(o.getMetadata().getOwnerReferences())
            .anySatisfy(r -> {
                assertThat(r.getKind()).isEqualTo("ConfigMap");
                assertThat(r.getName()).isEqualTo(record);
                assertThat(r.getUid()).isEqualTo(recordMap.getMetadata().getUid());
                assertThat(r.getBlockOwnerDeletion()).as("needs no finalizers permission").isNull();
            }));
    }

    @Test
    void anIncompleteEnvironmentOfTheKeyIsReplacedNotReused() {
        try (KubePodEnv engine = engine(cluster().options().build())) {
            assertThatThrownBy(() -> engine.up(KEY, message -> {
                if (message.startsWith("applied ConfigMap")) {
                    throw new Killed();
                }
            })).isInstanceOf(Killed.class);
            Environment incomplete = engine.list().get(0);
            assertThat(incomplete.complete()).isFalse();
            assertThat(engine.find(KEY)).as("find offers only complete environments").isEmpty();

            ReadyEnvironment ready = engine.up(KEY, listener);

            assertThat(ready.reused()).isFalse();
            assertThat(listener.text()).contains("deleting an incomplete environment of the same key: "
                + incomplete.id());
            assertThat(engine.list()).singleElement().satisfies(e -> {
                assertThat(e.id()).isEqualTo(ready.environment().id());
                assertThat(e.complete()).isTrue();
            });
        }
    }

    /** Not an exception: nothing in the engine catches it, so no rollback runs, as after a kill. */
    private static final class Killed extends Error {
    }

    @Test
    void serverSideApplyRequestsCarryTheFieldManagerTheApplyContentTypeAndNoForce() {
        up(cluster().options().build());
        List<ApplyPatchShimDispatcher.ApplyRequest> applies = templateApplies();
        assertThat(applies).hasSize(4);
        assertThat(applies).allSatisfy(a -> {
            assertThat(a.fieldManager()).isEqualTo("kube-pod-env");
            assertThat(a.force()).isNull();
            assertThat(a.contentType()).startsWith(ApplyPatchShimDispatcher.APPLY_PATCH_CONTENT_TYPE);
        });
        assertThat(applies).extracting(ApplyPatchShimDispatcher.ApplyRequest::path).satisfiesExactly(
            p -> assertThat(p).contains("/api/v1/namespaces/kpe-test/serviceaccounts/"),
            p -> assertThat(p).contains("/api/v1/namespaces/kpe-test/configmaps/"),
            p -> assertThat(p).contains("/apis/networking.k8s.io/v1/namespaces/kpe-test/networkpolicies/"),
            p -> assertThat(p).contains("/apis/apps/v1/namespaces/kpe-test/statefulsets/"));
        assertThat(templateWrites()).allMatch(Call::isApply);
    }

    @Test
    void theConfiguredFieldManagerIsSent() {
        up(cluster().options().fieldManager("jenkins-kube-pod-env").build());
        assertThat(templateApplies()).extracting(ApplyPatchShimDispatcher.ApplyRequest::fieldManager)
            .containsOnly("jenkins-kube-pod-env").hasSize(4);
    }

    @Test
    void theLastUseAndReplicaCountAreAppliedByTheirOwnForcingFieldManagerAndTheTemplateNeverSendsReplicas() {
        up(cluster().options().build());
        assertThat(cluster().api().applyRequests())
            .filteredOn(a -> a.fieldManager().equals(DockerHostActivity.FIELD_MANAGER)).singleElement()
            .satisfies(a -> {
                assertThat(a.path()).contains("/statefulsets/");
                assertThat(a.force()).isEqualTo("true");
            });
        assertThat(cluster().api().requests()).filteredOn(Call::isApply)
            .filteredOn(c -> c.resourcePath().contains("/statefulsets/"))
            .extracting(Call::body)
            .satisfiesExactly(
                template -> assertThat(template).doesNotContain("\"replicas\""),
                activity -> assertThat(activity).contains("\"replicas\":1").contains(ObjectLabels.LAST_USED_AT));
    }

    @Test
    void withoutServerSideApplyAbsentObjectsAreCreated() {
        up(cluster().options().serverSideApply(false).build());
        assertThat(templateApplies()).isEmpty();
        assertThat(templateWrites())
            .filteredOn(c -> !c.path().contains("fieldManager=" + DockerHostActivity.FIELD_MANAGER))
            .extracting(Call::method).containsOnly("POST").hasSize(4);
        assertThat(cluster().managedObjects()).hasSize(7);
    }

    @Test
    void withoutServerSideApplyAnExistingObjectIsUpdated() {
        String id = new InstanceIds(new Random(1)).generate(KEY.value());
        cluster().fixtureClient().configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName(id + "-dc")
            .endMetadata().addToData("daemon.json", "{\"debug\": true}").build()).create();
        try (KubePodEnv engine = new KubePodEnv(cluster().client(), cluster().options().serverSideApply(false).build(),
            Clock.systemUTC(), new InstanceIds(new Random(1)), DockerServerCheck.POD_READY_ONLY)) {
            assertThat(engine.up(KEY, listener).environment().id()).isEqualTo(id);
        }
        assertThat(engineWritesExceptLeases()).anyMatch(c -> c.method().equals("PUT")
            && c.resourcePath().endsWith("/configmaps/" + id + "-dc"));
        ConfigMap updated = cluster().fixtureClient().configMaps().withName(id + "-dc").get();
        assertThat(updated.getData().get("daemon.json")).contains("\"tls\": false");
        assertThat(updated.getMetadata().getLabels()).containsEntry(ObjectLabels.INSTANCE, id);
    }

    @Test
    void anUnchangedTemplateReusesTheEnvironmentWritingOnlyItsLastUse() {
        ReadyEnvironment first = up(cluster().options().build());
        int before = cluster().engineRequests().size();
        ReadyEnvironment second = up(cluster().options().build());
        assertThat(second.reused()).isTrue();
        assertThat(second.environment().id()).isEqualTo(first.environment().id());
        assertThat(second.pod()).isEqualTo(first.pod());
        List<Call> during = cluster().engineRequests().subList(before, cluster().engineRequests().size());
        assertThat(during.stream().filter(Call::isWrite).filter(c -> !isLease(c)).toList())
            .as("writes other than the lock's lease on reuse").singleElement()
            .satisfies(c -> assertThat(c.path()).contains("/statefulsets/" + first.environment().dockerHost() + "?")
                .contains("fieldManager=" + DockerHostActivity.FIELD_MANAGER));
        assertThat(listener.text()).contains("reusing environment " + first.environment().id());
    }

    @Test
    void aChangedTemplateReplacesTheEnvironmentAndSaysTheDataIsDiscarded() throws InterruptedException {
        ReadyEnvironment first = up(cluster().options().build());
        String changed = TemplateSource.bundledDefault().text().replace("docker:27.5.1-dind", "docker:28.0.0-dind");
        assertThat(changed).isNotEqualTo(TemplateSource.bundledDefault().text());
        ReadyEnvironment second = up(cluster().options().template(new TemplateSource("changed", changed)).build());
        String oldId = first.environment().id();
        assertThat(second.reused()).isFalse();
        assertThat(second.environment().id()).isNotEqualTo(oldId);
        assertThat(listener.text()).contains("replacing environment " + oldId)
            .contains("the data on its volume is discarded");
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (cluster().managedObjectNames().stream().anyMatch(n -> n.contains(oldId))
            && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(cluster().managedObjectNames()).noneMatch(n -> n.contains(oldId))
            .anyMatch(n -> n.equals("StatefulSet/" + second.environment().id()));
    }

    @Test
    void aPodThatBecomesReadyLaterIsWaitedFor() {
        cluster().controller().behaviour(PodBehaviour.readyAfter(Duration.ofMillis(500)));
        ReadyEnvironment ready = up(cluster().options().build());
        assertThat(ready.pod()).endsWith("-0");
        assertThat(listener.text()).contains("running, not ready");
    }

    @Test
    void readinessTimeoutReportsTheWaitingReasonAndEventsAndDeletesTheEnvironment() {
        cluster().controller().behaviour(PodBehaviour.imagePullBackOff());
        assertThatThrownBy(() -> up(cluster().options().build()))
            .isInstanceOf(EnvironmentFailedException.class)
            .hasMessageContaining("did not become ready within 2s")
            .hasMessageContaining("container docker waiting (ImagePullBackOff")
            .hasMessageContaining("Warning Failed: Failed to pull image");
        assertThat(listener.text()).contains("deleting the failed environment");
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
    }

    @Test
    void readinessTimeoutOfAPodThatNeverPassesItsProbeNamesTheProbe() {
        cluster().controller().behaviour(PodBehaviour.neverReady());
        assertThatThrownBy(() -> up(cluster().options().build()))
            .isInstanceOf(EnvironmentFailedException.class)
            .hasMessageContaining("container docker running, not ready")
            .hasMessageContaining("Readiness probe failed");
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
    }

    @Test
    void anUpInterruptedWhileWaitingDeletesWhatItAppliedAndReleasesItsLock() throws Exception {
        cluster().controller().behaviour(PodBehaviour.neverReady());
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stillInterrupted = new java.util.concurrent.atomic.AtomicBoolean();
        Thread build = new Thread(() -> {
            try {
                up(cluster().options().readyTimeout(Duration.ofMinutes(1)).build());
            } catch (RuntimeException e) {
                failure.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        build.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (cluster().managedObjectNames().stream().noneMatch(n -> n.startsWith("Pod/"))
            && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(cluster().managedObjectNames()).as("applied and waiting").anyMatch(n -> n.startsWith("Pod/"));

        build.interrupt(); // an aborted build, a stopped command
        build.join(Duration.ofSeconds(30).toMillis());

        assertThat(build.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(EnvironmentFailedException.class).hasMessageContaining("interrupted");
        assertThat(stillInterrupted.get()).as("the interrupt is kept for the caller").isTrue();
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
        assertThat(cluster().allObjectNames()).noneMatch(n -> n.startsWith("Lease/"));
    }

    @Test
    void keepOnFailureKeepsTheEnvironmentThatDidNotBecomeReady() {
        cluster().controller().behaviour(PodBehaviour.neverReady());
        assertThatThrownBy(() -> up(cluster().options().keepOnFailure(true).build()))
            .isInstanceOf(EnvironmentFailedException.class);
        assertThat(listener.text()).contains("keeping the failed environment");
        assertThat(cluster().managedObjectNames()).anyMatch(n -> n.startsWith("StatefulSet/"))
            .anyMatch(n -> n.startsWith("Pod/"));
    }

    @Test
    void aPermanentFailureFailsWithoutWaitingForTheTimeout() {
        cluster().controller().behaviour(PodBehaviour.invalidImageName());
        long started = System.nanoTime();
        assertThatThrownBy(() -> up(cluster().options().readyTimeout(Duration.ofSeconds(60)).build()))
            .isInstanceOf(EnvironmentFailedException.class)
            .hasMessageContaining("cannot become ready")
            .hasMessageContaining("InvalidImageName");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
    }

    @Test
    void anApiErrorHalfwayFailsUpRollsBackAndLeavesNothingBehind() {
        AtomicInteger applies = new AtomicInteger();
        cluster().api().failWhen(c -> c.isApply() && applies.incrementAndGet() == 3, 500);
        assertThatThrownBy(() -> up(cluster().options().build()))
            .isInstanceOf(EnvironmentFailedException.class)
            .hasMessageContaining("cannot apply NetworkPolicy")
            .hasMessageContaining("HTTP 500");
        assertThat(cluster().api().applyRequests()).hasSize(3);
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
    }

    @Test
    void anInterruptedUpWhoseRollbackAlsoFailedLeavesNothingThatDownCannotRemove() {
        AtomicInteger applies = new AtomicInteger();
        cluster().api().failWhen(c -> c.isApply() && applies.incrementAndGet() == 3, 500);
        cluster().api().failWhen(c -> c.method().equals("DELETE") && !isLease(c), 503);
        assertThatThrownBy(() -> up(cluster().options().build())).isInstanceOf(EnvironmentFailedException.class);
        assertThat(listener.text()).contains("could not delete the failed environment");
        assertThat(cluster().managedObjectNames()).hasSize(3);
        cluster().api().clearFailures();
        try (KubePodEnv engine = engine(cluster().options().build())) {
            assertThat(engine.down(KEY, true, listener).deleted()).hasSize(3);
        }
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
    }

    @Test
    void anUpInterruptedAfterItsStatefulSetLeavesNothingThatDownCannotRemove() {
        cluster().controller().behaviour(PodBehaviour.neverReady());
        assertThatThrownBy(() -> up(cluster().options().keepOnFailure(true).build()))
            .isInstanceOf(EnvironmentFailedException.class);
        assertThat(cluster().managedObjectNames()).hasSize(7);
        try (KubePodEnv engine = engine(cluster().options().build())) {
            engine.down(KEY, true, listener);
        }
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
    }

    @Test
    void aPreevyStyleTemplateComesUpAndGoesDownUnchanged() {
        Options options = cluster().options().template(new TemplateSource("preevy",
            resource("/io/kubepodenv/engine/template/preevy-style-template.yaml.njk"))).build();
        ReadyEnvironment ready = up(options);
        String id = ready.environment().id();
        assertThat(cluster().managedObjectNames()).contains("Role/" + id + "-role", "RoleBinding/" + id + "-rb",
            "PersistentVolumeClaim/data-" + id + "-0");
        try (KubePodEnv engine = engine(options)) {
            engine.down(KEY, true, listener);
        }
        assertThat(cluster().awaitNoManagedObjects(SETTLE)).isEmpty();
    }

    @Test
    void theLockLeaseIsReleasedAfterUp() {
        up(cluster().options().build());
        assertThat(cluster().allObjectNames()).noneMatch(n -> n.startsWith("Lease/"));
    }

    /** The applies of the template's objects, without the activity record's. */
    private List<ApplyPatchShimDispatcher.ApplyRequest> templateApplies() {
        return cluster().api().applyRequests().stream()
            .filter(a -> !DockerHostActivity.FIELD_MANAGER.equals(a.fieldManager())).toList();
    }

    @Test
    void applyingTheSameManifestAgainReusesItsRecord() {
        Options options = cluster().options().build();
        String id = new InstanceIds(new Random(3)).generate(KEY.value());
        io.kubepodenv.engine.template.Manifest manifest = KubePodEnv.render(options, KEY, java.util.Optional.of(id));

        new EnvironmentApplier(cluster().client(), options).apply(manifest, listener);
        new EnvironmentApplier(cluster().client(), options).apply(manifest, listener);

        assertThat(cluster().managedObjectNames()).filteredOn(n -> n.equals("ConfigMap/" + EnvironmentRecord.name(id)))
            .hasSize(1);
    }

    @Test
    void aConfigMapOfAnotherInstanceUnderTheRecordsNameIsRefused() {
        Options options = cluster().options().build();
        String id = new InstanceIds(new Random(4)).generate(KEY.value());
        cluster().fixtureClient().configMaps().resource(new ConfigMapBuilder().withNewMetadata()
            .withName(EnvironmentRecord.name(id)).addToLabels(ObjectLabels.INSTANCE, "someone-else").endMetadata()
            .build()).create();

        assertThatThrownBy(() -> new EnvironmentApplier(cluster().client(), options)
            .apply(KubePodEnv.render(options, KEY, java.util.Optional.of(id)), listener))
            .isInstanceOf(io.kubepodenv.engine.EnvironmentFailedException.class)
            .hasMessageContaining("ConfigMap " + EnvironmentRecord.name(id));
    }
}

