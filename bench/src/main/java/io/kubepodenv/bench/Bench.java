package io.kubepodenv.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** What the scenarios share: clients, namespaces, the target address, statistics, tables, JVM gauges. */
final class Bench {
    private Bench() {
    }

    /** A client from the ambient configuration ({@code KUBECONFIG}), counting its requests when a counter is given. */
    static KubernetesClient client(RequestCounter counter) {
        Config config = Config.autoConfigure(null);
        KubernetesClientBuilder builder = new KubernetesClientBuilder().withConfig(config);
        if (counter != null) {
            builder.withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("kpe-bench-counter", counter));
        }
        return builder.build();
    }

    /** {@code KPE_DOCKER_TCP}: where the cluster's port-forwards of port 2375 arrive. */
    static InetSocketAddress targetAddress() {
        String value = System.getenv().getOrDefault("KPE_DOCKER_TCP", "127.0.0.1:23790");
        int colon = value.lastIndexOf(':');
        return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
    }

    /** Creates a fresh namespace and waits (bounded) until its default ServiceAccount exists. */
    static String namespace(KubernetesClient client, String prefix) throws InterruptedException {
        String name = prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 30, 1L << 35), 36);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
            .create();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (client.serviceAccounts().inNamespace(name).withName("default").get() == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("namespace " + name + " got no default ServiceAccount in 60 s");
            }
            Thread.sleep(100);
        }
        return name;
    }

    /** Deletes a namespace and waits (at most {@code seconds}) until it is gone. */
    static void deleteNamespace(KubernetesClient client, String name, int seconds) {
        try {
            client.namespaces().withName(name).delete();
            client.namespaces().withName(name).waitUntilCondition(ns -> ns == null, seconds, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            System.err.println("namespace " + name + " not gone after " + seconds + " s: " + e.getMessage());
        }
    }

    /** The benchmarks' short template (the StatefulSet alone, no volume claim). */
    static io.kubepodenv.engine.TemplateSource shortTemplate() {
        try (InputStream in = Bench.class.getResourceAsStream("short-template.yaml.j2")) {
            return new io.kubepodenv.engine.TemplateSource("bench short template",
                new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static String f(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    static double median(double[] values) {
        return percentile(values, 50);
    }

    static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        int i = (int) Math.ceil(p / 100.0 * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, i))];
    }

    static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }

    static double[] toMs(long[] nanos) {
        return Arrays.stream(nanos).mapToDouble(Bench::ms).toArray();
    }

    /** A Markdown table. */
    static final class Table {
        private final List<String> lines = new ArrayList<>();

        Table(String... header) {
            lines.add("| " + String.join(" | ", header) + " |");
            lines.add("|" + "---|".repeat(header.length));
        }

        Table row(Object... cells) {
            lines.add("| " + String.join(" | ", Arrays.stream(cells).map(String::valueOf).toList()) + " |");
            return this;
        }

        void print(String title) {
            System.out.println();
            System.out.println("### " + title);
            System.out.println();
            lines.forEach(System.out::println);
            System.out.flush();
        }
    }

    /**
     * Heap live after a full collection, in bytes: the heap pools' usage as the collection left them (not what was
     * allocated since, which matters while connections are busy).
     */
    static long heapAfterGc() throws InterruptedException {
        long live = 0;
        for (int i = 0; i < 2; i++) {
            System.gc();
            live = 0;
            for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
                    live += pool.getCollectionUsage().getUsed();
                }
            }
            Thread.sleep(50);
        }
        return live;
    }

    static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    static String mib(long bytes) {
        return f(bytes / 1048576.0) + " MiB";
    }

    static String kib(double bytes) {
        return f(bytes / 1024.0) + " KiB";
    }

    /** Runs a command to its end (bounded), returning its wall time in nanoseconds; fails on a non-zero exit. */
    static long runCommand(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command + " did not end within " + timeoutSeconds + " s");
        }
        long nanos = System.nanoTime() - start;
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited " + p.exitValue() + ": "
                + new String(out, StandardCharsets.UTF_8));
        }
        return nanos;
    }
}
