package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A second {@code up} of one key: the same environment when the template is unchanged, a new one when it changed. */
class ReuseAndReplaceIT {
    private static final EnvironmentKey KEY = EnvironmentKey.of("it reuse");

    @Test
    void upAgainWithAnUnchangedTemplateReusesTheEnvironmentWithoutNewObjects() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "reuse");
            KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).build())) {
            ReadyEnvironment first = engine.up(KEY, new RecordingListener("reuse up 1"));
            Set<String> before = uids(admin, ns.name());
            assertThat(before).hasSizeGreaterThanOrEqualTo(6); // 4 template objects, the pod, the claim

            RecordingListener second = new RecordingListener("reuse up 2");
            ReadyEnvironment again = engine.up(KEY, second);

            assertThat(again.reused()).isTrue();
            assertThat(again.environment().id()).isEqualTo(first.environment().id());
            assertThat(again.pod()).isEqualTo(first.pod());
            assertThat(second.text()).contains("reusing environment " + first.environment().id())
                .doesNotContain("applied ");
            assertThat(uids(admin, ns.name())).as("the objects (by uid) after the second up").isEqualTo(before);
            assertThat(engine.list()).hasSize(1);
            engine.down(KEY, true, new RecordingListener("reuse down"));
        }
    }

    @Test
    void upAfterATemplateChangeReplacesTheEnvironment() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "replace")) {
            ReadyEnvironment first;
            try (KubePodEnv engine = new KubePodEnv(admin, cluster.options(ns.name()).build())) {
                first = engine.up(KEY, new RecordingListener("replace up 1"));
            }
            String oldId = first.environment().id();
            var changed = cluster.options(ns.name()).template(Templates.replacing("changed template",
                "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 20")).build();
            try (KubePodEnv engine = new KubePodEnv(admin, changed)) {
                RecordingListener listener = new RecordingListener("replace up 2");
                ReadyEnvironment second = engine.up(KEY, listener);

                assertThat(second.reused()).isFalse();
                assertThat(second.environment().id()).isNotEqualTo(oldId);
                assertThat(second.environment().templateHash()).isNotEqualTo(first.environment().templateHash());
                assertThat(listener.text()).contains("template changed").contains("replacing environment " + oldId);
                assertThat(admin.apps().statefulSets().inNamespace(ns.name()).withName(second.environment().dockerHost())
                    .get().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(20L);
                // The old environment's objects go (its pod and claim asynchronously, through the controllers).
                Waits.until("nothing of the replaced environment " + oldId + " is left", Duration.ofSeconds(60),
                    () -> ofInstance(admin, ns.name(), oldId).isEmpty(), () -> ofInstance(admin, ns.name(), oldId)
                        .toString());
                assertThat(engine.list()).extracting(e -> e.id()).containsExactly(second.environment().id());
                engine.down(KEY, true, new RecordingListener("replace down"));
            }
        }
    }

    private static Set<String> uids(KubernetesClient admin, String namespace) {
        return ClusterAudit.managed(admin, namespace).stream()
            .filter(f -> !f.kind().endsWith(" Event") && !f.kind().endsWith(" Lease"))
            .map(f -> f.kind() + " " + f.name() + " " + f.uid()).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private static List<String> ofInstance(KubernetesClient admin, String namespace, String id) {
        return ClusterAudit.labelled(admin, namespace, ObjectLabels.INSTANCE, id).stream().map(Object::toString)
            .toList();
    }
}
