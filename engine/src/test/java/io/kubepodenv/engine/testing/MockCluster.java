package io.kubepodenv.engine.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.naming.ObjectLabels;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fabric8 mock API server in CRUD mode with the {@link ApplyPatchShimDispatcher server-side apply shim}, a
 * {@link FakeStatefulSetController} and two clients: {@link #client()} for the code under test and
 * {@link #fixtureClient()} for the fixtures and for a test's own inspection. Requests of the fixture client carry
 * the User-Agent {@link #FIXTURE_USER_AGENT}, so {@link #engineRequests()} shows only what the code under test
 * sent.
 */
public final class MockCluster implements AutoCloseable {
    public static final String NAMESPACE = "kpe-test";
    public static final String FIXTURE_USER_AGENT = "kube-pod-env-test-fixture";
    /** Short, so that tests of timeouts stay fast. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(2);

    // Held so the setting survives garbage collection of the logger; the mock logs every request at INFO.
    private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

    private final ApplyPatchShimDispatcher api = new ApplyPatchShimDispatcher();
    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final KubernetesClient fixtureClient;
    private final FakeStatefulSetController controller;

    public MockCluster() {
        this(null);
    }

    /**
     * A mock cluster whose pod port-forwards go through {@code portForward} (to a real Docker daemon, say);
     * {@code null}: no port-forward is served.
     */
    public MockCluster(PortForwardBridge portForward) {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
            portForward == null ? api : new PortForwardExecDispatcher(api, portForward, null), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        // No retries: an injected 5xx must reach the code under test instead of being retried away.
        client = server.createClient(b -> b.editOrNewConfig().withNamespace(NAMESPACE)
            .withRequestRetryBackoffLimit(0).endConfig());
        fixtureClient = server.createClient(b -> b.editOrNewConfig().withNamespace(NAMESPACE)
            .withUserAgent(FIXTURE_USER_AGENT).endConfig());
        controller = new FakeStatefulSetController(fixtureClient, NAMESPACE).start();
    }

    /** The client to hand to the code under test. */
    public KubernetesClient client() {
        return client;
    }

    /** A client whose requests {@link #engineRequests()} leaves out: for seeding and inspecting the store. */
    public KubernetesClient fixtureClient() {
        return fixtureClient;
    }

    public ApplyPatchShimDispatcher api() {
        return api;
    }

    public FakeStatefulSetController controller() {
        return controller;
    }

    public KubernetesMockServer server() {
        return server;
    }

    /** Options for the mock's namespace, with short timeouts. */
    public Options.Builder options() {
        return Options.builder().namespace(NAMESPACE).readyTimeout(READY_TIMEOUT).deleteTimeout(READY_TIMEOUT);
    }

    /** Every request the code under test sent (fixture requests left out). */
    public List<ApplyPatchShimDispatcher.Call> engineRequests() {
        return api.requestsExcept(FIXTURE_USER_AGENT);
    }

    /** The leak audit: every stored object, of any kind, labelled {@code app.kubernetes.io/managed-by=kube-pod-env}. */
    public List<GenericKubernetesResource> managedObjects() {
        return api.storedObjects().stream().filter(MockCluster::isManaged).toList();
    }

    /** {@link #managedObjects()} as {@code Kind/name} strings, for readable assertions. */
    public List<String> managedObjectNames() {
        return managedObjects().stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).sorted().toList();
    }

    /** Every stored object of any kind, as {@code Kind/name}. */
    public List<String> allObjectNames() {
        return api.storedObjects().stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).sorted()
            .toList();
    }

    /**
     * Waits (at most {@code timeout}) until no managed object is left and returns what is left then: the fake
     * controller deletes pods and claims asynchronously, after the StatefulSet's DELETED event.
     */
    public List<String> awaitNoManagedObjects(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> left = managedObjectNames();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            sleep(20);
            left = managedObjectNames();
        }
        return left;
    }

    @Override
    public void close() {
        controller.close();
        client.close();
        fixtureClient.close();
        server.destroy();
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.WARNING);
        return logger;
    }

    private static boolean isManaged(GenericKubernetesResource object) {
        Map<String, String> labels = object.getMetadata() == null ? null : object.getMetadata().getLabels();
        return labels != null && ObjectLabels.MANAGED_BY_VALUE.equals(labels.get(ObjectLabels.MANAGED_BY));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
