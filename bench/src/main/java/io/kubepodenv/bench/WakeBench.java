package io.kubepodenv.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.ReadyEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Waking a sleeping environment against a fresh {@code up} of a new key and a re-up of an awake one, in one run, on
 * one namespace, with the default template (its volume claim is what a wake keeps).
 *
 * <p>Each iteration: a fresh {@code up} of a new key; a re-up of it (awake); {@code sleep} (not timed here); a wake
 * (the next {@code up}); {@code down}. A watch of our own (a second client) records when each StatefulSet and pod
 * event arrives. Cluster time of a fresh up: the StatefulSet's creation event to the later of "pod Ready" and
 * "StatefulSet readyReplicas >= 1". Cluster time of a wake: the first StatefulSet event showing 1 replica again (our
 * write has landed) to the later of the new pod's Ready and the StatefulSet's readyReplicas. Our share = the whole
 * call minus the cluster's.
 *
 * <p>Arguments: {@code --warmup 2 --iterations 5 --target own}; {@code --target none} when the cluster's
 * port-forwards of port 2375 already reach a Docker server (then no {@link BenchTarget} is started).
 */
public final class WakeBench {
    private WakeBench() {
    }

    /** Receive times of the watch events of one namespace, to find the first of a kind after a moment. */
    private static final class EventLog implements AutoCloseable {
        private record Seen(long at, String kind, String name) {
        }

        private final List<Seen> seen = new CopyOnWriteArrayList<>();
        private final Watch statefulSets;
        private final Watch pods;

        EventLog(KubernetesClient client, String namespace) {
            statefulSets = client.apps().statefulSets().inNamespace(namespace).watch(new Watcher<StatefulSet>() {
                @Override
                public void eventReceived(Action action, StatefulSet s) {
                    long now = System.nanoTime();
                    String name = s.getMetadata().getName();
                    if (action == Action.ADDED) {
                        seen.add(new Seen(now, "sts-added", name));
                    }
                    if (action == Action.DELETED) {
                        return;
                    }
                    Integer replicas = s.getSpec().getReplicas();
                    if (replicas != null && replicas == 1) {
                        seen.add(new Seen(now, "sts-one-replica", name));
                    }
                    Integer ready = s.getStatus() == null ? null : s.getStatus().getReadyReplicas();
                    if (ready != null && ready >= 1 && replicas != null && replicas >= 1) {
                        seen.add(new Seen(now, "sts-ready", name));
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
            pods = client.pods().inNamespace(namespace).watch(new Watcher<Pod>() {
                @Override
                public void eventReceived(Action action, Pod p) {
                    long now = System.nanoTime();
                    if (action != Action.DELETED && p.getMetadata().getDeletionTimestamp() == null
                        && p.getStatus() != null && p.getStatus().getConditions() != null
                        && p.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) {
                        seen.add(new Seen(now, "pod-ready", p.getMetadata().getName()));
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
        }

        long first(String kind, String name, long after) {
            Predicate<Seen> match = s -> s.kind().equals(kind) && s.name().equals(name) && s.at() >= after;
            return seen.stream().filter(match).mapToLong(Seen::at).min()
                .orElseThrow(() -> new IllegalStateException("no " + kind + " event for " + name));
        }

        @Override
        public void close() {
            statefulSets.close();
            pods.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args);
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "2"));
        int iterations = Integer.parseInt(opts.getOrDefault("iterations", "5"));
        boolean ownTarget = !"none".equals(opts.getOrDefault("target", "own"));
        String storageClass = System.getenv().getOrDefault("KPE_CLUSTER_STORAGE_CLASS", "standard");
        try (BenchTarget target = ownTarget ? new BenchTarget(Bench.targetAddress()) : null;
            KubernetesClient watcherClient = Bench.client(null);
            KubernetesClient client = Bench.client(null)) {
            String ns = Bench.namespace(watcherClient, "kpe-bench-wake");
            Options options = Options.builder().namespace(ns).storageClass(storageClass)
                .readyTimeout(Duration.ofMinutes(3)).build();
            try (EventLog events = new EventLog(watcherClient, ns);
                KubePodEnv engine = new KubePodEnv(client, options)) {
                Bench.Table table = new Bench.Table("run", "fresh up ms", "of it cluster ms", "of it ours ms",
                    "re-up (awake) ms", "wake ms", "of it cluster ms", "of it ours ms", "wake / fresh up",
                    "wake / re-up");
                double[][] columns = new double[6][iterations];
                for (int i = 0; i < warmup + iterations; i++) {
                    EnvironmentKey key = EnvironmentKey.of("bench-wake-" + i);
                    long f0 = System.nanoTime();
                    ReadyEnvironment fresh = engine.up(key, ProgressListener.NONE);
                    long f1 = System.nanoTime();
                    String sts = fresh.environment().dockerHost();
                    long freshCluster = Math.max(events.first("pod-ready", fresh.pod(), f0),
                        events.first("sts-ready", sts, f0)) - events.first("sts-added", sts, f0);

                    long r0 = System.nanoTime();
                    ReadyEnvironment reup = engine.up(key, ProgressListener.NONE);
                    long r1 = System.nanoTime();
                    if (!reup.reused()) {
                        throw new IllegalStateException("re-up did not reuse the environment");
                    }

                    engine.sleep(key, ProgressListener.NONE);
                    long w0 = System.nanoTime();
                    ReadyEnvironment woken = engine.up(key, ProgressListener.NONE);
                    long w1 = System.nanoTime();
                    long wakeCluster = Math.max(events.first("pod-ready", woken.pod(), w0),
                        events.first("sts-ready", sts, w0)) - events.first("sts-one-replica", sts, w0);
                    engine.down(key, true, ProgressListener.NONE);

                    double freshMs = Bench.ms(f1 - f0);
                    double reupMs = Bench.ms(r1 - r0);
                    double wakeMs = Bench.ms(w1 - w0);
                    double[] row = {freshMs, Bench.ms(freshCluster), freshMs - Bench.ms(freshCluster), reupMs, wakeMs,
                        Bench.ms(wakeCluster)};
                    if (i >= warmup) {
                        for (int c = 0; c < row.length; c++) {
                            columns[c][i - warmup] = row[c];
                        }
                    }
                    table.row(i < warmup ? "warm-up " + (i + 1) : String.valueOf(i - warmup + 1), Bench.f(freshMs),
                        Bench.f(row[1]), Bench.f(row[2]), Bench.f(reupMs), Bench.f(wakeMs), Bench.f(row[5]),
                        Bench.f(wakeMs - row[5]), String.format("%.2f", wakeMs / freshMs),
                        String.format("%.2f", wakeMs / reupMs));
                }
                table.print("Wake of a sleeping environment vs fresh up of a new key vs re-up of an awake one "
                    + "(default template, warm JVM after " + warmup + " warm-up runs)");
                double[] wakeOurs = new double[iterations];
                for (int i = 0; i < iterations; i++) {
                    wakeOurs[i] = columns[4][i] - columns[5][i];
                }
                System.out.println();
                System.out.println("medians: fresh up " + Bench.f(Bench.median(columns[0])) + " ms (ours "
                    + Bench.f(Bench.median(columns[2])) + "), re-up " + Bench.f(Bench.median(columns[3]))
                    + " ms, wake " + Bench.f(Bench.median(columns[4])) + " ms (cluster "
                    + Bench.f(Bench.median(columns[5])) + ", ours " + Bench.f(Bench.median(wakeOurs))
                    + ", max ours " + Bench.f(Bench.max(wakeOurs)) + "; target: ours < 300 ms)");
            } finally {
                Bench.deleteNamespace(watcherClient, ns, 120);
            }
        }
    }
}
