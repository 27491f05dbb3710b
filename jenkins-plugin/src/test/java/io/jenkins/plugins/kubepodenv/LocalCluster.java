package io.jenkins.plugins.kubepodenv;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SecretBytes;
import com.cloudbees.plugins.credentials.domains.Domain;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl;

/**
 * The local control plane of testing/cluster (and the Docker daemon of testing/docker its port-forwards reach), for
 * the tests that run real environments. Settings come from the environment or the state directories' env files;
 * whatever is missing fails the test (never skips it) with how to start it.
 */
final class LocalCluster implements AutoCloseable {
    static final String HOW_TO_START = "start the Docker daemon and the local control plane first: "
        + "testing/docker/start.sh, testing/cluster/build.sh, then testing/cluster/start.sh with the settings "
        + "testing/cluster/it.sh uses (see testing/cluster/README.md)";
    static final Duration WAIT = Duration.ofSeconds(90);
    private static final List<String[]> OUR_KINDS = List.of(new String[] {"apps/v1", "StatefulSet"},
        new String[] {"v1", "ServiceAccount"}, new String[] {"v1", "ConfigMap"},
        new String[] {"networking.k8s.io/v1", "NetworkPolicy"}, new String[] {"v1", "PersistentVolumeClaim"},
        new String[] {"v1", "Pod"}, new String[] {"coordination.k8s.io/v1", "Lease"});

    final String server;
    final String kubeconfig;
    final String storageClass;
    /** An image the private Docker daemon has, for {@code docker run}. */
    final String image;
    /**
     * A directory the Docker daemon does not see (an empty mount in its own mount namespace), for workspaces whose
     * bind mounts must come from a sync; null when the daemon was started without one.
     */
    final Path hiddenFromTheDaemon;
    final KubernetesClient admin;
    final String namespace;

    private LocalCluster(Map<String, String> env) throws IOException {
        server = need(env, "KPE_CLUSTER_SERVER");
        kubeconfig = Files.readString(Path.of(need(env, "KUBECONFIG")), StandardCharsets.UTF_8);
        storageClass = env.getOrDefault("KPE_CLUSTER_STORAGE_CLASS", "standard");
        image = need(env, "KPE_TEST_IMAGE");
        hiddenFromTheDaemon = java.util.Arrays.stream(env.getOrDefault("KPE_DOCKER_PRIVATE_DIRS", "").split(":"))
            .filter(d -> !d.isBlank() && !d.equals("/var/lib/docker")).findFirst().map(Path::of).orElse(null);
        Config config = Config.fromKubeconfig(kubeconfig);
        config.setRequestTimeout(15_000);
        admin = new KubernetesClientBuilder().withConfig(config).build();
        namespace = "kpe-jenkins-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                .build()).create();
        } catch (RuntimeException e) {
            admin.close();
            throw new AssertionError("the local control plane at " + server + " does not answer (" + e.getMessage()
                + "); " + HOW_TO_START, e);
        }
    }

    /** The running cluster, with a namespace of this test's own. */
    static LocalCluster start() throws IOException {
        Map<String, String> env = new HashMap<>();
        String tmp = System.getenv().getOrDefault("TMPDIR", "/tmp");
        readEnvFile(Path.of(System.getenv().getOrDefault("KPE_DOCKER_DIR", tmp + "/kpe-docker"), "env"), env);
        readEnvFile(Path.of(System.getenv().getOrDefault("KPE_CLUSTER_DIR", tmp + "/kpe-cluster"), "env"), env);
        return new LocalCluster(env);
    }

    /** Global configuration: this cluster, a kubeconfig credential, this test's namespace. */
    void configure(Jenkins jenkins) throws IOException {
        CredentialsProvider.lookupStores(jenkins).iterator().next().addCredentials(Domain.global(),
            new FileCredentialsImpl(CredentialsScope.GLOBAL, "local-cluster", "the local control plane", "kubeconfig",
                SecretBytes.fromBytes(kubeconfig.getBytes(StandardCharsets.UTF_8))));
        KubePodEnvSettings s = new KubePodEnvSettings();
        s.setServerUrl(server);
        s.setCredentialsId("local-cluster");
        s.setNamespace(namespace);
        s.setStorageClass(storageClass);
        s.setReadyTimeout("60s");
        KubePodEnvConfiguration.get().setSettings(s);
    }

    /** A new directory that only this side sees (the daemon sees an empty mount there). */
    Path directoryHiddenFromTheDaemon() throws IOException {
        if (hiddenFromTheDaemon == null) {
            throw new AssertionError("the Docker daemon was started without KPE_DOCKER_PRIVATE_DIRS, so it sees every "
                + "workspace; start it as testing/cluster/it.sh does (testing/docker/sync-it-settings.sh)");
        }
        Files.createDirectories(hiddenFromTheDaemon);
        return Files.createTempDirectory(hiddenFromTheDaemon, "jenkins-agent-");
    }

    List<GenericKubernetesResource> dockerHosts() {
        return admin.genericKubernetesResources("apps/v1", "StatefulSet").inNamespace(namespace)
            .withLabel(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE).list().getItems();
    }

    /** Every object of ours in the namespace (pods and claims included), as kind/name. */
    List<String> managedObjects() {
        List<String> found = new ArrayList<>();
        for (String[] kind : OUR_KINDS) {
            admin.genericKubernetesResources(kind[0], kind[1]).inNamespace(namespace)
                .withLabel(ObjectLabels.MANAGED_BY, ObjectLabels.MANAGED_BY_VALUE).list().getItems()
                .forEach(o -> found.add(kind[1] + "/" + o.getMetadata().getName()));
        }
        return found;
    }

    /** Waits (bounded) until nothing of ours is left in the namespace; fails naming what is. */
    void awaitNothingLeft(String why) throws InterruptedException {
        await(() -> managedObjects().isEmpty(), why + "; still there: " + managedObjects());
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(250);
        }
    }

    @Override
    public void close() {
        try {
            admin.namespaces().withName(namespace).delete();
        } finally {
            admin.close();
        }
    }

    private static String need(Map<String, String> env, String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            v = env.get(name);
        }
        if (v == null || v.isBlank()) {
            throw new AssertionError(name + " is not set and no env file names it; " + HOW_TO_START);
        }
        return v;
    }

    private static void readEnvFile(Path file, Map<String, String> into) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.startsWith("export ")) {
                l = l.substring("export ".length());
            }
            int eq = l.indexOf('=');
            if (l.isEmpty() || l.startsWith("#") || eq <= 0) {
                continue;
            }
            into.put(l.substring(0, eq), l.substring(eq + 1));
        }
    }
}
