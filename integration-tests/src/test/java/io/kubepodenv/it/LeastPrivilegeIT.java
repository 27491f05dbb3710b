package io.kubepodenv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.ReadyEnvironment;
import io.kubepodenv.engine.cluster.EnvironmentDeleter;
import io.kubepodenv.engine.exec.ExecException;
import io.kubepodenv.engine.lifecycle.EnvironmentSleeper;
import io.kubepodenv.engine.exec.ExecResult;
import io.kubepodenv.engine.exec.PodExec;
import io.kubepodenv.engine.exec.PodUpload;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Role users copy from docs/rbac.md, read from that page at test time and bound to a ServiceAccount whose token
 * is the only credential: enough for up, sleep, wake, the tunnel, exec and down; a Role with less gets the 403
 * explanation.
 */
class LeastPrivilegeIT {
    private static final Duration EXEC_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

    @Test
    void aServiceAccountWithTheRoleFromTheDocsCanUpSleepWakeTunnelExecAndDown(@TempDir Path dir) throws Exception {
        ControlPlane cluster = ControlPlane.require();
        EnvironmentKey key = EnvironmentKey.of("it least privilege");
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "rbac");
            KubernetesClient builder = cluster.tokenClient(grant(admin, ns.name(), "builder", docsRole(admin)),
                ns.name())) {
            // Only the token: nothing cluster-wide.
            assertThatThrownBy(() -> builder.namespaces().list()).isInstanceOf(KubernetesClientException.class)
                .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));

            try (KubePodEnv engine = new KubePodEnv(builder, cluster.options(ns.name()).build())) {
                // up ends with a Docker ping through a port-forward made with the same token.
                RecordingListener listener = new RecordingListener("rbac up");
                ReadyEnvironment ready = engine.up(key, listener);
                assertThat(listener.text()).contains("the Docker server answers through the tunnel");
                assertThat(engine.list()).hasSize(1);

                // Sleep and wake: the replica count and last use are server-side applied to the StatefulSet.
                assertThat(engine.sleep(key, new RecordingListener("rbac sleep")))
                    .isEqualTo(EnvironmentSleeper.Outcome.SLEPT);
                RecordingListener waking = new RecordingListener("rbac wake");
                assertThat(engine.wake(key, waking).pod()).isEqualTo(ready.pod());
                assertThat(waking.text()).contains("woke environment " + ready.environment().id());

                try (DockerTunnel tunnel = DockerTunnel.open(builder, ns.name(),
                    new StatefulSetPodLocator(builder, ns.name(), ready.environment().dockerHost()),
                    TunnelOptions.defaults().withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60)))) {
                    String version = new DockerCli(tunnel.dockerHost())
                        .ok(Duration.ofMinutes(1), "version", "--format", "{{.Server.Version}}").output();
                    assertThat(version).matches("\\d+\\.\\d+.*");
                }

                checkExec(cluster, builder, ns.name(), ready.pod(), dir);

                EnvironmentDeleter.Result result = engine.down(key, true, new RecordingListener("rbac down"));
                assertThat(result.deleted()).anyMatch(d -> d.startsWith("PersistentVolumeClaim "))
                    .anyMatch(d -> d.startsWith("StatefulSet "));
            }
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after down").isEmpty();
        }
    }

    @Test
    void aRoleWithoutStatefulSetPatchGetsA403ExplanationAndLeavesNothing() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "rbac-less")) {
            Role less = without(docsRole(admin), "statefulsets", "patch");

            try (KubernetesClient limited = cluster.tokenClient(grant(admin, ns.name(), "limited", less), ns.name());
                KubePodEnv engine = new KubePodEnv(limited, cluster.options(ns.name()).build())) {
                assertThatThrownBy(() -> engine.up(EnvironmentKey.of("it too few rights"),
                    new RecordingListener("rbac-less up")))
                    .isInstanceOf(EnvironmentFailedException.class)
                    .hasMessageContaining("cannot apply StatefulSet")
                    .hasMessageContaining("forbidden (HTTP 403)")
                    .hasMessageContaining("User \"system:serviceaccount:" + ns.name() + ":limited\" cannot patch "
                        + "resource \"statefulsets\" in API group \"apps\"")
                    .hasMessageContaining("compare them with the Role in docs/rbac.md");
            }
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after the refused up").isEmpty();
        }
    }

    @Test
    void aRoleThatCannotCreateConfigMapsCannotRecordAnEnvironmentAndUpFailsBeforeAnyObjectWithA403() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "rbac-record")) {
            Role less = without(docsRole(admin), "configmaps", "create");

            try (KubernetesClient limited = cluster.tokenClient(grant(admin, ns.name(), "limited", less), ns.name());
                KubePodEnv engine = new KubePodEnv(limited, cluster.options(ns.name()).build())) {
                assertThatThrownBy(() -> engine.up(EnvironmentKey.of("it no record"),
                    new RecordingListener("rbac-record up")))
                    .isInstanceOf(EnvironmentFailedException.class)
                    .hasMessageContaining("cannot create the environment's record (ConfigMap kube-pod-env-")
                    .hasMessageContaining("forbidden (HTTP 403)")
                    .hasMessageContaining("cannot create resource \"configmaps\"")
                    .hasMessageContaining("compare them with the Role in docs/rbac.md");
            }
            assertThat(ClusterAudit.leftovers(admin, ns.name())).as("left after the refused up").isEmpty();
        }
    }

    @Test
    void aRoleWithoutPortForwardFailsUpAtOnceWithA403ExplanationAndLeavesNothing() {
        ControlPlane cluster = ControlPlane.require();
        try (KubernetesClient admin = cluster.adminClient();
            TestNamespace ns = TestNamespace.create(admin, "rbac-nopf")) {
            Role less = without(docsRole(admin), "pods/portforward", null);
            try (KubernetesClient limited = cluster.tokenClient(grant(admin, ns.name(), "no-tunnel", less), ns.name());
                KubePodEnv engine = new KubePodEnv(limited, cluster.options(ns.name()).build())) {
                long started = System.nanoTime();
                assertThatThrownBy(() -> engine.up(EnvironmentKey.of("it no tunnel"),
                    new RecordingListener("rbac-nopf up")))
                    .isInstanceOf(EnvironmentFailedException.class)
                    .hasMessageContaining("refuses the port-forward")
                    .hasMessageContaining("HTTP 403")
                    .hasMessageContaining("pods/portforward")
                    .hasMessageContaining("docs/rbac.md");
                // The refusal is final: up does not wait out its ready timeout before saying so.
                assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isLessThan(engine.options().readyTimeout().dividedBy(2));
            }
            Waits.until("the failed environment is gone", Duration.ofSeconds(60),
                () -> ClusterAudit.leftovers(admin, ns.name()).isEmpty(),
                () -> ClusterAudit.leftovers(admin, ns.name()).toString());
        }
    }

    /**
     * {@code role} without {@code verb} on {@code resource}, or (verb null) without {@code resource} at all; fails
     * if the role did not grant it.
     */
    private static Role without(Role role, String resource, String verb) {
        List<PolicyRule> rules = new ArrayList<>();
        boolean removed = false;
        for (PolicyRule rule : role.getRules()) {
            if (rule.getResources().contains(resource)) {
                PolicyRuleBuilder changed = new PolicyRuleBuilder(rule);
                if (verb == null) {
                    List<String> resources = new ArrayList<>(rule.getResources());
                    removed = resources.remove(resource);
                    changed.withResources(resources);
                } else {
                    List<String> verbs = new ArrayList<>(rule.getVerbs());
                    removed = verbs.remove(verb);
                    changed.withVerbs(verbs);
                }
                rule = changed.build();
            }
            rules.add(rule);
        }
        assertThat(removed).as("docs/rbac.md grants " + (verb == null ? "" : verb + " on ") + resource).isTrue();
        return new RoleBuilder(role).withRules(rules).build();
    }

    private static void checkExec(ControlPlane cluster, KubernetesClient builder, String namespace, String pod,
        Path dir) throws IOException {
        PodExec exec = new PodExec(builder, namespace);
        String mode = cluster.execMode();
        if ("off".equals(mode)) {
            // The cluster runs no exec commands; RBAC still lets the request through to kwok.
            assertThatThrownBy(() -> exec.capture(pod, List.of("true"), EXEC_TIMEOUT))
                .isInstanceOf(ExecException.class).message().doesNotContain("HTTP 403");
            System.out.println("[rbac] exec is off on this cluster (KPE_EXEC_MODE=off): only the permission was checked");
            return;
        }
        String container = exec.firstContainer(pod);
        String target = cluster.execContainer(namespace, pod, container);
        DockerCli direct = new DockerCli(cluster.directDockerHost());
        // daemon mode with a container pattern runs the command in that container when it exists, as docker mode
        boolean inContainer = "docker".equals(mode) || ("daemon".equals(mode) && !target.isEmpty());
        String uploadDir = inContainer ? "/tmp/kpe-it-upload"
            : cluster.execRoot().resolve("kpe-it-upload-" + namespace).toString();
        try {
            if (inContainer) {
                direct.ok(Duration.ofMinutes(1), "run", "-d", "--name", target, "--network", "none",
                    cluster.testImage(), "sleep", "600");
            }
            ExecResult result = exec.capture(pod, List.of("sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"),
                EXEC_TIMEOUT);
            assertThat(result.exitCode()).isEqualTo(3);
            assertThat(result.stdout()).isEqualTo("to-stdout\n");
            assertThat(result.stderr()).isEqualTo("to-stderr\n");

            Path file = dir.resolve("upload.bin");
            byte[] content = new byte[3 << 20];
            new java.util.Random(7).nextBytes(content);
            Files.write(file, content);
            new PodUpload(exec).upload(pod, file, uploadDir + "/upload.bin", EXEC_TIMEOUT);
            ExecResult sum = exec.capture(pod, List.of("sha256sum", uploadDir + "/upload.bin"), EXEC_TIMEOUT);
            assertThat(sum.exitCode()).as("sha256sum: " + sum.stderr()).isZero();
            assertThat(sum.stdout().split("\\s+")[0]).isEqualTo(sha256(content));
        } finally {
            if (inContainer) {
                direct.run(Duration.ofMinutes(1), "rm", "-f", target);
            } else {
                exec.capture(pod, List.of("rm", "-rf", uploadDir), EXEC_TIMEOUT);
            }
        }
    }

    /** The Role of docs/rbac.md, as written there (namespace and all). */
    static Role docsRole(KubernetesClient admin) {
        List<HasMetadata> objects = docsObjects(admin);
        List<Role> roles = objects.stream().filter(Role.class::isInstance).map(Role.class::cast).toList();
        assertThat(roles).as("Roles in docs/rbac.md").hasSize(1);
        return roles.get(0);
    }

    private static List<HasMetadata> docsObjects(KubernetesClient admin) {
        Path page = ControlPlane.repository().resolve("docs/rbac.md");
        String text;
        try {
            text = Files.readString(page, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + page, e);
        }
        List<HasMetadata> objects = new ArrayList<>();
        Matcher m = YAML_BLOCK.matcher(text);
        while (m.find()) {
            objects.addAll(admin.load(new ByteArrayInputStream(m.group(1).getBytes(StandardCharsets.UTF_8))).items());
        }
        assertThat(objects).as("objects in the yaml blocks of " + page)
            .anyMatch(Role.class::isInstance).anyMatch(RoleBinding.class::isInstance);
        return objects;
    }

    /**
     * Creates ServiceAccount {@code account}, {@code role} and the RoleBinding of docs/rbac.md (moved to
     * {@code namespace}, its subject replaced by the account), and returns a token of the account.
     */
    private static String grant(KubernetesClient admin, String namespace, String account, Role role) {
        List<RoleBinding> bindings = docsObjects(admin).stream().filter(RoleBinding.class::isInstance)
            .map(RoleBinding.class::cast).toList();
        assertThat(bindings).as("RoleBindings in docs/rbac.md").hasSize(1);
        RoleBinding binding = bindings.get(0);
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());

        admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
            .withName(account).endMetadata().build()).create();
        admin.rbac().roles().inNamespace(namespace).resource(new RoleBuilder(role).editMetadata()
            .withNamespace(namespace).withResourceVersion(null).endMetadata().build()).create();
        admin.rbac().roleBindings().inNamespace(namespace).resource(new RoleBindingBuilder(binding).editMetadata()
            .withNamespace(namespace).endMetadata()
            .withSubjects(new SubjectBuilder().withKind("ServiceAccount").withName(account).withNamespace(namespace)
                .build())
            .build()).create();
        String token = admin.serviceAccounts().inNamespace(namespace).withName(account)
            .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
            .getStatus().getToken();
        assertThat(token).as("token of " + account).isNotBlank();
        return token;
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
