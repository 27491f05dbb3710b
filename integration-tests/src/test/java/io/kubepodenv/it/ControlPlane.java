package io.kubepodenv.it;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubepodenv.engine.Options;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The local control plane of {@code testing/cluster/start.sh} and the Docker daemon of {@code testing/docker/start.sh},
 * as the integration tests see them.
 *
 * <p>Settings come from the environment ({@code KPE_CLUSTER_SERVER}, {@code KUBECONFIG}, {@code KPE_*}, as exported
 * by {@code <cluster state>/env}); when {@code KPE_CLUSTER_SERVER} is not set, from the {@code env} files in the
 * default state directories. Whatever is missing or does not answer fails the test with an {@link AssertionError}
 * that says how to start it: this tier never skips. The kubeconfig must point at {@code KPE_CLUSTER_SERVER}, so the
 * tests never create and delete namespaces on a cluster that is not the local test one.
 */
public final class ControlPlane {
    static final String HOW_TO_START = "start the local control plane with testing/cluster/start.sh (after "
        + "testing/cluster/build.sh and testing/docker/start.sh) and source the env file it names, or run the whole "
        + "tier with testing/cluster/it.sh";
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(15);

    private static ControlPlane shared;

    private final Map<String, String> settings;
    private final Path kubeconfig;
    private final String server;
    private final Config adminConfig;

    private ControlPlane(Map<String, String> settings, Path kubeconfig, String server, Config adminConfig) {
        this.settings = settings;
        this.kubeconfig = kubeconfig;
        this.server = server;
        this.adminConfig = adminConfig;
    }

    /** The running control plane, checked once per test run; fails (never skips) when it is not there. */
    public static synchronized ControlPlane require() {
        if (shared == null) {
            Map<String, String> env = new HashMap<>(System.getenv());
            if (blank(env.get("KPE_CLUSTER_SERVER"))) {
                String dir = env.getOrDefault("KPE_CLUSTER_DIR", tmp() + "/kpe-cluster");
                readEnvFile(Path.of(dir, "env")).forEach(env::put);
            }
            if (blank(env.get("KPE_TEST_DOCKER_HOST"))) {
                String dir = env.getOrDefault("KPE_DOCKER_DIR", tmp() + "/kpe-docker");
                readEnvFile(Path.of(dir, "env")).forEach(env::putIfAbsent);
            }
            shared = from(env);
        }
        return shared;
    }

    /** Checks {@code settings} (an environment) and that the API server answers. */
    static ControlPlane from(Map<String, String> settings) {
        String server = settings.get("KPE_CLUSTER_SERVER");
        String kubeconfig = settings.get("KUBECONFIG");
        if (blank(server) || blank(kubeconfig)) {
            throw new AssertionError("the integration tests need the local Kubernetes control plane, but "
                + (blank(server) ? "KPE_CLUSTER_SERVER" : "KUBECONFIG") + " is not set and no cluster env file was "
                + "found; " + HOW_TO_START);
        }
        Path file = Path.of(kubeconfig.split(java.io.File.pathSeparator)[0]);
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("KUBECONFIG names " + file + ", which does not exist; " + HOW_TO_START);
        }
        Config config;
        try {
            config = Config.fromKubeconfig(null, file.toFile());
        } catch (RuntimeException e) {
            throw new AssertionError("cannot read the kubeconfig " + file + ": " + e.getMessage() + "; "
                + HOW_TO_START, e);
        }
        if (!stripSlash(server).equals(stripSlash(config.getMasterUrl()))) {
            throw new AssertionError("the kubeconfig " + file + " points at " + config.getMasterUrl() + ", not at the "
                + "local test cluster KPE_CLUSTER_SERVER=" + server + "; the integration tests only run against the "
                + "cluster of testing/cluster/start.sh");
        }
        config.setRequestTimeout((int) ANSWER_TIMEOUT.toMillis());
        config.setConnectionTimeout((int) ANSWER_TIMEOUT.toMillis());
        config.setRequestRetryBackoffLimit(0);
        ControlPlane plane = new ControlPlane(Map.copyOf(settings), file, server, config);
        plane.checkAnswers();
        return plane;
    }

    private void checkAnswers() {
        String node = setting("KPE_CLUSTER_NODE", "kpe-node");
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(adminConfig).build()) {
            CompletableFuture<Node> answer = CompletableFuture.supplyAsync(() -> {
                client.getKubernetesVersion();
                return client.nodes().withName(node).get();
            });
            Node found;
            try {
                found = answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                answer.cancel(true);
                throw new AssertionError("the API server at " + server + " did not answer within "
                    + ANSWER_TIMEOUT.toSeconds() + " s; " + HOW_TO_START);
            } catch (ExecutionException e) {
                throw new AssertionError("the API server at " + server + " does not answer: " + rootMessage(e)
                    + "; " + HOW_TO_START, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while checking the API server", e);
            }
            if (found == null) {
                throw new AssertionError("the API server at " + server + " has no node " + node + " (the kwok node); "
                    + HOW_TO_START);
            }
            boolean ready = Optional.ofNullable(found.getStatus()).map(s -> s.getConditions()).orElse(List.of())
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
            if (!ready) {
                throw new AssertionError("node " + node + " is not Ready (is kwok running?): "
                    + found.getStatus().getConditions().stream().map(NodeCondition::getMessage).toList() + "; "
                    + HOW_TO_START);
            }
        }
    }

    /** A client with the admin (system:masters) credentials of the kubeconfig. */
    public KubernetesClient adminClient() {
        Config copy = Config.fromKubeconfig(null, kubeconfig.toFile());
        copy.setRequestTimeout((int) Duration.ofSeconds(30).toMillis());
        return new KubernetesClientBuilder().withConfig(copy).build();
    }

    /**
     * A client that authenticates with {@code token} only: the API server's URL and CA from the kubeconfig, nothing
     * else (no client certificate, no ambient configuration).
     */
    public KubernetesClient tokenClient(String token, String namespace) {
        Config config = Config.empty();
        config.setMasterUrl(adminConfig.getMasterUrl());
        config.setCaCertData(adminConfig.getCaCertData());
        config.setCaCertFile(adminConfig.getCaCertFile());
        config.setOauthToken(token);
        config.setNamespace(namespace);
        config.setRequestTimeout((int) Duration.ofSeconds(30).toMillis());
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Engine options for a test namespace: short timeouts, the cluster's default StorageClass. */
    public Options.Builder options(String namespace) {
        return Options.builder().namespace(namespace).readyTimeout(Duration.ofMinutes(2))
            .deleteTimeout(Duration.ofSeconds(90)).owner("kpe-it");
    }

    /** A file of the local cluster's certificate authority ({@code ca.crt}, {@code ca.key}), to sign test certificates. */
    Path caFile(String name) {
        Path file = Path.of(setting("KPE_CLUSTER_DIR", tmp() + "/kpe-cluster"), "pki", name);
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("the local cluster's CA file " + file + " does not exist; " + HOW_TO_START);
        }
        return file;
    }

    /** The cluster's CA certificate, PEM, as the kubeconfig gives it. */
    public String caCertificatePem() {
        try {
            return adminConfig.getCaCertData() != null
                ? new String(java.util.Base64.getDecoder().decode(adminConfig.getCaCertData()),
                    java.nio.charset.StandardCharsets.UTF_8)
                : Files.readString(Path.of(adminConfig.getCaCertFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String server() {
        return server;
    }

    public String node() {
        return setting("KPE_CLUSTER_NODE", "kpe-node");
    }

    public String storageClass() {
        return setting("KPE_CLUSTER_STORAGE_CLASS", "standard");
    }

    /** {@code local}, {@code docker} or {@code off}: where kwok runs exec commands. */
    public String execMode() {
        String mode = settings.get("KPE_EXEC_MODE");
        if (!blank(mode)) {
            return mode;
        }
        return blank(settings.get("KPE_EXEC_CONTAINER")) ? "local" : "docker";
    }

    /** The container exec commands run in (docker mode), with {@code {namespace}}, {@code {pod}} replaced. */
    public String execContainer(String namespace, String pod, String container) {
        return setting("KPE_EXEC_CONTAINER", "").replace("{namespace}", namespace).replace("{pod}", pod)
            .replace("{container}", container);
    }

    /** Where local-mode exec commands run. */
    public Path execRoot() {
        return Path.of(setting("KPE_CLUSTER_DIR", tmp() + "/kpe-cluster"), "exec-root");
    }

    /** The Docker daemon behind every pod's port 2375, reached directly (not through a tunnel). */
    public String directDockerHost() {
        String host = settings.get("KPE_TEST_DOCKER_HOST");
        if (blank(host)) {
            String tcp = settings.get("KPE_DOCKER_TCP");
            if (blank(tcp)) {
                throw new AssertionError("no Docker daemon: KPE_TEST_DOCKER_HOST is not set; start it with "
                    + "testing/docker/start.sh; " + HOW_TO_START);
            }
            return "tcp://" + tcp;
        }
        return host;
    }

    /** The busybox image imported into that daemon. */
    public String testImage() {
        return setting("KPE_TEST_IMAGE", "kpe-test/busybox:latest");
    }

    /** The root of the repository (for docs/rbac.md). */
    public static Path repository() {
        String dir = System.getProperty("kpe.it.repository");
        Path root = dir == null ? Path.of("..") : Path.of(dir);
        return root.toAbsolutePath().normalize();
    }

    private String setting(String name, String fallback) {
        String value = settings.get(name);
        return blank(value) ? fallback : value;
    }

    static Map<String, String> readEnvFile(Path file) {
        Map<String, String> values = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return values;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                String l = line.strip();
                if (l.startsWith("#") || !l.contains("=")) {
                    continue;
                }
                if (l.startsWith("export ")) {
                    l = l.substring("export ".length()).strip();
                }
                int eq = l.indexOf('=');
                String value = l.substring(eq + 1).strip();
                if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                    value = value.substring(1, value.length() - 1);
                }
                values.put(l.substring(0, eq).strip(), value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return values;
    }

    private static String tmp() {
        String t = System.getenv("TMPDIR");
        return blank(t) ? "/tmp" : stripSlash(t);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String stripSlash(String s) {
        return s != null && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
