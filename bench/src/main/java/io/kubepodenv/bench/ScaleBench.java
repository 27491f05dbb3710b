package io.kubepodenv.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.cluster.EnvironmentApplier;
import io.kubepodenv.engine.lifecycle.CollectionPolicy;
import io.kubepodenv.engine.lifecycle.GarbageCollector;
import io.kubepodenv.engine.lifecycle.ReconcilePolicy;
import io.kubepodenv.engine.naming.InstanceIds;
import io.kubepodenv.engine.template.EnvironmentTemplate;
import io.kubepodenv.engine.template.TemplateRenderer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Item 3: concurrent {@code up}s from one JVM (threads and heap), then many environments in one namespace:
 * {@code kpe ls} (engine call and whole command) and one garbage-collection sweep and reconciliation that delete
 * nothing, with their request counts.
 *
 * <p>Arguments: {@code --concurrent 20 --environments 200 --kpe-jar cli/target/kpe.jar --repeat 10}.
 */
public final class ScaleBench {
    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args);
        int concurrent = Integer.parseInt(opts.getOrDefault("concurrent", "20"));
        int environments = Integer.parseInt(opts.getOrDefault("environments", "200"));
        int repeat = Integer.parseInt(opts.getOrDefault("repeat", "10"));
        String kpeJar = opts.getOrDefault("kpe-jar", "cli/target/kpe.jar");

        RequestCounter counter = new RequestCounter();
        try (BenchTarget target = new BenchTarget(Bench.targetAddress());
            KubernetesClient admin = Bench.client(null);
            KubernetesClient client = Bench.client(counter)) {
            concurrentUps(admin, client, counter, concurrent);
            many(admin, client, counter, environments, repeat, kpeJar);
        }
    }

    private static void concurrentUps(KubernetesClient admin, KubernetesClient client, RequestCounter counter,
        int concurrent) throws Exception {
        String ns = Bench.namespace(admin, "kpe-bench-conc");
        ReadyWatch watch = new ReadyWatch(admin, ns);
        Options options = Options.builder().namespace(ns).template(Bench.shortTemplate())
            .readyTimeout(Duration.ofMinutes(3)).build();
        ExecutorService callers = Executors.newFixedThreadPool(concurrent);
        try (KubePodEnv engine = new KubePodEnv(client, options, DockerServerCheck.TUNNEL_PING)) {
            // warm the code paths once, then measure from a quiet JVM with the caller threads already started
            engine.up(EnvironmentKey.of("bench-conc-warm"), ProgressListener.NONE);
            engine.down(EnvironmentKey.of("bench-conc-warm"), true, ProgressListener.NONE);
            List<Future<?>> prestart = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                prestart.add(callers.submit(() -> { }));
            }
            for (Future<?> f : prestart) {
                f.get();
            }
            long heapBefore = Bench.heapAfterGc();
            int threadsBefore = Bench.threads();
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            mx.resetPeakThreadCount();
            AtomicBoolean sampling = new AtomicBoolean(true);
            AtomicLong heapPeak = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    heapPeak.accumulateAndGet(Bench.heapUsed(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-sampler");
            sampler.setDaemon(true);
            sampler.start();
            counter.reset();
            long t0 = System.nanoTime();
            List<Future<long[]>> ups = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                EnvironmentKey key = EnvironmentKey.of("bench-conc-" + i);
                ups.add(callers.submit(() -> {
                    long s = System.nanoTime();
                    io.kubepodenv.engine.ReadyEnvironment r = engine.up(key, ProgressListener.NONE);
                    long e = System.nanoTime();
                    String sts = r.environment().dockerHost();
                    long cluster = Math.max(watch.statefulSetReady(sts), watch.podReady(r.pod()))
                        - watch.statefulSetAdded(sts);
                    return new long[] {e - s, cluster};
                }));
            }
            double[] each = new double[concurrent];
            double[] clusterShare = new double[concurrent];
            double[] ours = new double[concurrent];
            for (int i = 0; i < concurrent; i++) {
                long[] r = ups.get(i).get(5, TimeUnit.MINUTES);
                each[i] = Bench.ms(r[0]);
                clusterShare[i] = Bench.ms(r[1]);
                ours[i] = each[i] - clusterShare[i];
            }
            long all = System.nanoTime() - t0;
            sampling.set(false);
            sampler.join(1000);
            int requests = counter.snapshot().size();
            int peak = mx.getPeakThreadCount();
            Thread.sleep(2000);
            int threadsAfter = Bench.threads();
            long heapAfter = Bench.heapAfterGc();
            new Bench.Table("", "value")
                .row("concurrent ups (short template, new environments, one engine, one client)", concurrent)
                .row("all done in", Bench.f(Bench.ms(all)) + " ms")
                .row("each up: median / max", Bench.f(Bench.median(each)) + " / " + Bench.f(Bench.max(each))
                    + " ms")
                .row("of which the cluster (StatefulSet created -> ready, our own watch): median / max",
                    Bench.f(Bench.median(clusterShare)) + " / " + Bench.f(Bench.max(clusterShare)) + " ms")
                .row("of which ours (the rest): median / max", Bench.f(Bench.median(ours)) + " / "
                    + Bench.f(Bench.max(ours)) + " ms")
                .row("API requests (incl. watches and port-forward upgrades)", requests + " (" + Bench.f(
                    requests / (double) concurrent) + " per up)")
                .row("JVM threads before (" + concurrent + " caller threads and our watch's included)", threadsBefore)
                .row("JVM threads peak during", peak + " (+" + (peak - threadsBefore) + ")")
                .row("JVM threads 2 s after", threadsAfter)
                .row("heap before (after GC)", Bench.mib(heapBefore))
                .row("heap peak during (sampled every 5 ms, no GC forced)", Bench.mib(heapPeak.get()))
                .row("heap after (after GC)", Bench.mib(heapAfter))
                .print("Item 3a: " + concurrent + " concurrent ups from one JVM");
        } finally {
            callers.shutdownNow();
            watch.close();
            Bench.deleteNamespace(admin, ns, 120);
        }
    }

    private static void many(KubernetesClient admin, KubernetesClient client, RequestCounter counter, int count,
        int repeat, String kpeJar) throws Exception {
        String ns = Bench.namespace(admin, "kpe-bench-many");
        Options options = Options.builder().namespace(ns).template(Bench.shortTemplate()).build();
        try {
            // create the environments' objects directly, as up would apply them, without waiting for readiness
            EnvironmentTemplate template = new EnvironmentTemplate(new TemplateRenderer());
            InstanceIds ids = new InstanceIds();
            EnvironmentApplier applier = new EnvironmentApplier(client, options);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> created = new ArrayList<>();
            Set<EnvironmentKey> keys = new java.util.LinkedHashSet<>();
            long c0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                EnvironmentKey key = EnvironmentKey.of("org/app/PR-" + (1000 + i));
                keys.add(key);
                created.add(pool.submit(() -> applier.apply(template.build(options, key, ids.generate(key.value()),
                    Instant.now().toString(), Map.of()), ProgressListener.NONE)));
            }
            for (Future<?> f : created) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            long createdNanos = System.nanoTime() - c0;
            int pods = settle(admin, ns, count);

            KubePodEnv engine = new KubePodEnv(client, options, DockerServerCheck.POD_READY_ONLY);
            for (int i = 0; i < 3; i++) {
                engine.list();
            }
            double[] list = new double[repeat];
            int listRequests = 0;
            int listed = 0;
            for (int i = 0; i < repeat; i++) {
                counter.reset();
                long t0 = System.nanoTime();
                listed = engine.list().size();
                list[i] = Bench.ms(System.nanoTime() - t0);
                listRequests = Math.max(listRequests, counter.snapshot().size());
            }

            Map<String, double[]> cli = commandLine(kpeJar, ns);

            GarbageCollector gc = new GarbageCollector(client, ns, Clock.systemUTC());
            CollectionPolicy keepAll = new CollectionPolicy(Optional.empty(), Optional.of(keys), Optional.empty());
            ReconcilePolicy reconcileAll = new ReconcilePolicy(Options.DEFAULT_OWNER, keys, k -> false,
                ReconcilePolicy.everything(), Optional.empty());
            for (int i = 0; i < 3; i++) {
                gc.sweep(keepAll, false, false, Duration.ofMinutes(1), ProgressListener.NONE);
            }
            double[] sweep = new double[repeat];
            double[] reconcile = new double[repeat];
            int sweepRequests = 0;
            int reconcileRequests = 0;
            int collected = 0;
            List<RequestCounter.Request> sweepCalls = List.of();
            for (int i = 0; i < repeat; i++) {
                counter.reset();
                long t0 = System.nanoTime();
                GarbageCollector.Sweep s = gc.sweep(keepAll, false, false, Duration.ofMinutes(1),
                    ProgressListener.NONE);
                sweep[i] = Bench.ms(System.nanoTime() - t0);
                sweepCalls = counter.snapshot();
                sweepRequests = Math.max(sweepRequests, sweepCalls.size());
                collected += s.collected().size();
                counter.reset();
                t0 = System.nanoTime();
                GarbageCollector.Reconciliation r = gc.reconcile(() -> reconcileAll, false, false,
                    Duration.ofMinutes(1), ProgressListener.NONE);
                reconcile[i] = Bench.ms(System.nanoTime() - t0);
                reconcileRequests = Math.max(reconcileRequests, counter.snapshot().size());
                collected += r.with(ReconcilePolicy.Action.DELETE).size();
            }
            engine.close();
            new Bench.Table("", "median ms", "max ms", "API requests per call", "")
                .row("create " + count + " environments' objects (server-side apply, 8 threads)",
                    Bench.f(Bench.ms(createdNanos)), "", "", pods + " pods exist afterwards")
                .row("engine list() (warm JVM)", Bench.f(Bench.median(list)), Bench.f(Bench.max(list)),
                    listRequests, listed + " environments listed")
                .row("GarbageCollector.sweep, live keys = all", Bench.f(Bench.median(sweep)),
                    Bench.f(Bench.max(sweep)), sweepRequests, "collected: " + collected)
                .row("GarbageCollector.reconcile, all alive", Bench.f(Bench.median(reconcile)),
                    Bench.f(Bench.max(reconcile)), reconcileRequests, "")
                .print("Item 3b: " + count + " environments in one namespace (" + repeat + " runs each)");
            Bench.Table whole = new Bench.Table("whole command, new JVM each (3 runs)", "median ms", "max ms");
            cli.forEach((what, t) -> whole.row(what, Bench.f(Bench.median(t)), Bench.f(Bench.max(t))));
            whole.print("Item 3b: `kpe ls` as users run it");
            System.out.println();
            System.out.println("requests of one sweep: " + sweepCalls.stream().map(RequestCounter.Request::toString)
                .map(s -> s.replace(ns, "NS")).collect(Collectors.joining("; ")));
        } finally {
            Bench.deleteNamespace(admin, ns, 180);
        }
    }

    /** {@code kpe ls} as a whole command, with the JVM's default flags and with start-up oriented ones. */
    private static Map<String, double[]> commandLine(String kpeJar, String ns) throws Exception {
        String javaCmd = javaCommand();
        Path dir = Files.createTempDirectory("kpe-bench-cds");
        String archive = dir.resolve("kpe.jsa").toString();
        List<String> fast = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
        try {
            List<String> train = new ArrayList<>(List.of(javaCmd, "-XX:ArchiveClassesAtExit=" + archive));
            train.addAll(fast);
            train.addAll(List.of("-jar", kpeJar, "ls", "-n", ns));
            Bench.runCommand(train, 120);
            Map<String, List<String>> variants = new java.util.LinkedHashMap<>();
            variants.put("`kpe --version` (JVM start and picocli only)", List.of(javaCmd, "-jar", kpeJar, "--version"));
            variants.put("`kpe ls`, empty namespace", List.of(javaCmd, "-jar", kpeJar, "ls", "-n", ns + "-empty"));
            variants.put("`kpe ls`, 200 environments", List.of(javaCmd, "-jar", kpeJar, "ls", "-n", ns));
            List<String> c1 = new ArrayList<>(List.of(javaCmd));
            c1.addAll(fast);
            c1.addAll(List.of("-jar", kpeJar, "ls", "-n", ns));
            variants.put("`kpe ls`, 200 environments, `-XX:TieredStopAtLevel=1 -XX:+UseSerialGC`", c1);
            List<String> cds = new ArrayList<>(List.of(javaCmd, "-XX:SharedArchiveFile=" + archive));
            cds.addAll(fast);
            cds.addAll(List.of("-jar", kpeJar, "ls", "-n", ns));
            variants.put("`kpe ls`, 200 environments, same flags + an AppCDS archive of kpe's classes", cds);
            Map<String, double[]> times = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, List<String>> v : variants.entrySet()) {
                double[] t = new double[3];
                for (int i = 0; i < t.length; i++) {
                    t[i] = Bench.ms(Bench.runCommand(v.getValue(), 120));
                }
                times.put(v.getKey(), t);
            }
            return times;
        } finally {
            Files.deleteIfExists(Path.of(archive));
            Files.deleteIfExists(dir);
        }
    }

    /** Waits (at most 120 s) until the StatefulSet controller has made the pods, so that it is quiet while we time. */
    private static int settle(KubernetesClient admin, String ns, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int pods = 0;
        while (System.nanoTime() < deadline) {
            pods = admin.pods().inNamespace(ns).list().getItems().size();
            if (pods >= count) {
                break;
            }
            Thread.sleep(1000);
        }
        Thread.sleep(3000);
        return pods;
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
