package io.kubepodenv.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.ReadyEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Items 1 and 2: the engine's own share of {@code up} for a new environment, and a re-up of an unchanged one.
 *
 * <p>A watch of our own (a second client) records when each StatefulSet and pod event arrives; a
 * {@link DockerServerCheck} wrapper records when {@code up}'s readiness wait returned (it is called right after).
 * Cluster time = from the StatefulSet's creation event to the later of "pod Ready" and "StatefulSet readyReplicas"
 * events (the engine waits for both); our overhead = the whole {@code up} minus that.
 *
 * <p>Arguments: {@code --warmup 2 --iterations 5 --reups 5}.
 */
public final class UpBench {
    private UpBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args);
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "2"));
        int iterations = Integer.parseInt(opts.getOrDefault("iterations", "5"));
        int reups = Integer.parseInt(opts.getOrDefault("reups", "5"));
        String storageClass = System.getenv().getOrDefault("KPE_CLUSTER_STORAGE_CLASS", "standard");

        RequestCounter counter = new RequestCounter();
        long[] checkEntered = new long[1];
        DockerServerCheck timed = (client, environment, timeout, listener) -> {
            checkEntered[0] = System.nanoTime();
            DockerServerCheck.TUNNEL_PING.verify(client, environment, timeout, listener);
        };
        try (BenchTarget target = new BenchTarget(Bench.targetAddress());
            KubernetesClient watcherClient = Bench.client(null);
            KubernetesClient client = Bench.client(counter)) {
            String ns = Bench.namespace(watcherClient, "kpe-bench-up");
            Options options = Options.builder().namespace(ns).storageClass(storageClass)
                .readyTimeout(Duration.ofMinutes(3)).build();
            ReadyWatch watch = new ReadyWatch(watcherClient, ns);
            try (KubePodEnv engine = new KubePodEnv(client, options, timed)) {
                Bench.Table table = new Bench.Table("run", "whole up ms", "cluster: StatefulSet created -> ready ms",
                    "pod Ready -> StatefulSet ready event ms", "our overhead ms", "before StatefulSet exists ms",
                    "readiness noticed after the cluster's event ms", "Docker check ms",
                    "pod Ready per its conditions (s granularity)");
                double[] overheads = new double[iterations];
                double[] notices = new double[iterations];
                for (int i = 0; i < warmup + iterations; i++) {
                    EnvironmentKey key = EnvironmentKey.of("bench-up-" + i);
                    long t0 = System.nanoTime();
                    ReadyEnvironment ready = engine.up(key, ProgressListener.NONE);
                    long t1 = System.nanoTime();
                    String sts = ready.environment().dockerHost();
                    Pod pod = watcherClient.pods().inNamespace(ns).withName(ready.pod()).get();
                    long stsAdded = watch.statefulSetAdded(sts);
                    long podReady = watch.podReady(ready.pod());
                    long stsReady = watch.statefulSetReady(sts);
                    long clusterReady = Math.max(podReady, stsReady);
                    double whole = Bench.ms(t1 - t0);
                    double cluster = Bench.ms(clusterReady - stsAdded);
                    double overhead = whole - cluster;
                    double notice = Bench.ms(checkEntered[0] - clusterReady);
                    if (i >= warmup) {
                        overheads[i - warmup] = overhead;
                        notices[i - warmup] = notice;
                    }
                    table.row(i < warmup ? "warm-up " + (i + 1) : String.valueOf(i - warmup + 1), Bench.f(whole),
                        Bench.f(cluster), Bench.f(Bench.ms(stsReady - podReady)), Bench.f(overhead),
                        Bench.f(Bench.ms(stsAdded - t0)), Bench.f(notice), Bench.f(Bench.ms(t1 - checkEntered[0])),
                        conditionSeconds(pod));
                    engine.down(key, true, ProgressListener.NONE);
                }
                table.print("Item 1: up of a new environment (default template), warm JVM after " + warmup
                    + " warm-up runs");
                System.out.println();
                System.out.println("our overhead: median " + Bench.f(Bench.median(overheads)) + " ms, max "
                    + Bench.f(Bench.max(overheads)) + " ms (target < 300 ms); readiness noticed: median "
                    + Bench.f(Bench.median(notices)) + " ms, max " + Bench.f(Bench.max(notices))
                    + " ms after our own watch received the event (target < 50 ms)");

                reup(engine, counter, reups);
            } finally {
                watch.close();
                Bench.deleteNamespace(watcherClient, ns, 120);
            }
        }
    }

    private static void reup(KubePodEnv engine, RequestCounter counter, int reups) {
        EnvironmentKey key = EnvironmentKey.of("bench-reup");
        engine.up(key, ProgressListener.NONE);
        for (int i = 0; i < 2; i++) {
            engine.up(key, ProgressListener.NONE);
        }
        Bench.Table table = new Bench.Table("run", "re-up ms", "requests", "by method",
            "writes other than the lock Lease");
        double[] times = new double[reups];
        List<RequestCounter.Request> last = List.of();
        int otherWrites = 0;
        for (int i = 0; i < reups; i++) {
            counter.reset();
            long t0 = System.nanoTime();
            ReadyEnvironment ready = engine.up(key, ProgressListener.NONE);
            long t1 = System.nanoTime();
            if (!ready.reused()) {
                throw new IllegalStateException("re-up did not reuse the environment");
            }
            last = counter.snapshot();
            long writes = last.stream().filter(r -> r.isWrite() && !r.isLease()).count();
            otherWrites += (int) writes;
            times[i] = Bench.ms(t1 - t0);
            table.row(i + 1, Bench.f(times[i]), last.size(), RequestCounter.byMethod(last), writes);
        }
        table.print("Item 2: re-up of an unchanged environment (warm JVM)");
        System.out.println();
        System.out.println("re-up: median " + Bench.f(Bench.median(times)) + " ms, max " + Bench.f(Bench.max(times))
            + " ms (target < 500 ms); writes other than the Lease in all re-ups: " + otherWrites);
        System.out.println();
        System.out.println("Requests of the last re-up, in order:");
        System.out.println();
        List<String> lines = new ArrayList<>();
        for (RequestCounter.Request r : last) {
            lines.add("    " + r.method() + " " + r.path().replaceAll("kpe-bench-up-[a-z0-9]+", "NS")
                .replaceAll("/bench-reup-[a-z0-9-]+", "/ID") + (r.isWatch() ? " (watch)" : ""));
        }
        lines.forEach(System.out::println);
        engine.down(key, true, ProgressListener.NONE);
    }

    private static String conditionSeconds(Pod pod) {
        if (pod == null || pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return "?";
        }
        Instant created = Instant.parse(pod.getMetadata().getCreationTimestamp());
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType()) && c.getLastTransitionTime() != null) {
                return Duration.between(created, Instant.parse(c.getLastTransitionTime())).toSeconds() + " s";
            }
        }
        return "?";
    }
}
