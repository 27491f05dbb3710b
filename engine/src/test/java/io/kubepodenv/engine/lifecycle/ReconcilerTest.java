package io.kubepodenv.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.config.ClusterConnection;
import io.kubepodenv.engine.config.ClusterCredentials;
import io.kubepodenv.engine.testing.MockCluster;
import io.kubepodenv.engine.testing.MockClusterExtension;
import io.kubepodenv.engine.testing.RecordingListener;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The background cleanup a CI controller runs, against the mock cluster: places, deferrals, deferred deletions. */
class ReconcilerTest {
    private static final String US = "jenkins-0123456789ab";
    private static final EnvironmentKey CLOSED = EnvironmentKey.of("change:team/app:s:21");
    private static final EnvironmentKey OPEN = EnvironmentKey.of("change:team/app:s:22");
    private static final String TOKEN = "s3cret-token-value";

    @RegisterExtension
    final MockClusterExtension mock = new MockClusterExtension();

    private final RecordingListener log = new RecordingListener();
    private final Reconciler<Place> reconciler = new Reconciler<>(Clock.systemUTC());

    private record Place(String describe, Options options, String serverUrl) implements Reconciler.Place {
        @Override
        public ClusterConnection connect() throws IOException {
            if (serverUrl == null) {
                throw new IOException("credentials 'gone' were not found");
            }
            return new ClusterConnection(serverUrl, "", new ClusterCredentials.Token(TOKEN), MockCluster.NAMESPACE);
        }
    }

    private Place place() {
        return new Place("the mock cluster", options(), mock.cluster().server().url("/").replaceAll("/$", ""));
    }

    private Options options() {
        return mock.cluster().options().owner(US).readyTimeout(Duration.ofSeconds(30))
            .deleteTimeout(Duration.ofSeconds(10)).build();
    }

    private String up(EnvironmentKey key) {
        try (KubePodEnv engine = new KubePodEnv(mock.cluster().client(), options(), DockerServerCheck.POD_READY_ONLY)) {
            return engine.up(key, log).environment().id();
        }
    }

    private static Supplier<ReconcilePolicy> policy(Set<EnvironmentKey> live, Predicate<EnvironmentKey> busy) {
        return () -> new ReconcilePolicy(US, live, busy, ReconcilePolicy.everything(), Optional.empty());
    }

    /** The objects of environment {@code id} left after waiting (at most 10 s) for the fake controller's deletions. */
    private List<String> awaitGone(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> left = objectsOf(id);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            left = objectsOf(id);
        }
        return left;
    }

    private List<String> objectsOf(String id) {
        return mock.cluster().managedObjectNames().stream().filter(n -> n.contains(id)).toList();
    }

    @Test
    void deletesTheEnvironmentOfADeadKeyAndSumsUpThePlace() throws InterruptedException {
        String closed = up(CLOSED);
        String open = up(OPEN);

        String summary = reconciler.reconcile(List.of(place()), policy(Set.of(OPEN), k -> false), k -> false,
            "periodic reconciliation", log);

        assertThat(summary).isEqualTo("periodic reconciliation: the mock cluster: 2 environments, 1 deleted, 0 "
            + "deferred until their builds end, 0 idle (put to sleep unless used meanwhile)");
        assertThat(awaitGone(closed)).isEmpty();
        assertThat(objectsOf(open)).isNotEmpty();
    }

    @Test
    void defersTheDeletionOfABusyKeyUntilItsBuildEnds() throws InterruptedException {
        String closed = up(CLOSED);
        AtomicBoolean building = new AtomicBoolean(true);
        Predicate<EnvironmentKey> busy = k -> k.equals(CLOSED) && building.get();

        String summary = reconciler.reconcile(List.of(place()), policy(Set.of(), busy), busy, "closed", log);

        assertThat(summary).endsWith("1 environments, 0 deleted, 1 deferred until their builds end, 0 idle (put to sleep unless "
            + "used meanwhile)");
        assertThat(reconciler.isDeferred(CLOSED)).isTrue();
        assertThat(reconciler.runDeferred(busy, Set::of, log)).isEqualTo("nothing to delete yet");
        assertThat(mock.cluster().managedObjectNames()).anyMatch(n -> n.contains(closed));

        building.set(false);
        String done = reconciler.runDeferred(busy, Set::of, log);

        assertThat(done).startsWith("'" + CLOSED + "' in the mock cluster: ").contains("objects deleted (deferred: ");
        assertThat(reconciler.hasDeferred()).isFalse();
        assertThat(awaitGone(closed)).isEmpty();
    }

    @Test
    void keepsADeferredEnvironmentWhoseKeyIsAliveAgainWhenItsBuildEnds() {
        String reopened = up(CLOSED);
        AtomicBoolean building = new AtomicBoolean(true);
        Predicate<EnvironmentKey> busy = k -> building.get();
        reconciler.reconcile(List.of(place()), policy(Set.of(), busy), busy, "closed", log);
        building.set(false);

        String done = reconciler.runDeferred(busy, () -> Set.of(CLOSED), log);

        assertThat(done).isEqualTo("'" + CLOSED + "' kept: a job of it is alive again");
        assertThat(mock.cluster().managedObjectNames()).anyMatch(n -> n.contains(reopened));
    }

    @Test
    void deletesAtOnceWhenTheBuildEndedBetweenTheDecisionAndTheDeferral() throws InterruptedException {
        String closed = up(CLOSED);

        String summary = reconciler.reconcile(List.of(place()), policy(Set.of(), k -> true), k -> false, "closed",
            log);

        assertThat(summary).contains("0 deleted, 0 deferred until their builds end");
        assertThat(reconciler.isDeferred(CLOSED)).isFalse();
        assertThat(awaitGone(closed)).isEmpty();
    }

    @Test
    void aPlaceThatCannotConnectIsReportedAndTheOthersAreReconciled() throws InterruptedException {
        String closed = up(CLOSED);
        Place broken = new Place("namespace elsewhere", options(), null);

        String summary = reconciler.reconcile(List.of(broken, place()), policy(Set.of(), k -> false), k -> false,
            "periodic reconciliation", log);

        assertThat(summary).startsWith("periodic reconciliation: namespace elsewhere: cannot connect: credentials "
            + "'gone' were not found; the mock cluster: 1 environments, 1 deleted");
        assertThat(log.text()).contains("namespace elsewhere: cannot connect");
        assertThat(awaitGone(closed)).isEmpty();
    }

    @Test
    void aDeferredDeletionThatFailsIsReportedWithoutTheSecret() throws IOException {
        // An API server that refuses everything and repeats the token in its message (refusals are not retried).
        HttpServer refusing = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        refusing.createContext("/", exchange -> {
            byte[] body = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":401,"
                + "\"reason\":\"Unauthorized\",\"message\":\"token " + TOKEN + " is not valid\"}")
                .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        refusing.start();
        try {
            Place place = new Place("namespace ci", options(), "http://127.0.0.1:" + refusing.getAddress().getPort());
            reconciler.deferIfBusy(CLOSED, place, "the block ended", k -> true);

            String done = reconciler.runDeferred(k -> false, Set::of, log);

            assertThat(done).startsWith("'" + CLOSED + "' in namespace ci: failed: ").contains("401")
                .doesNotContain(TOKEN);
            assertThat(log.text()).contains("401").doesNotContain(TOKEN);
            assertThat(reconciler.hasDeferred()).isFalse();
        } finally {
            refusing.stop(0);
        }
    }
}
