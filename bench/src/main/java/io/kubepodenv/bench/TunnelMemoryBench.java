package io.kubepodenv.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.DataInputStream;
import java.lang.management.ManagementFactory;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Item 5: heap and threads of one open tunnel (through the real API server) with idle and busy connections.
 * Idle: a connection that has made one echo round trip end to end and then waits. Busy: a thread of ours reading one
 * endless download through its connection as fast as it can (the bytes received are checksummed at the end). Threads are counted for the whole JVM and for the tunnel's own
 * (named {@code kpe-tunnel-*}); our client threads (one per busy connection) are not the tunnel's. The target runs in a
 * process of its own, so that its threads and buffers are not counted.
 *
 * <p>Arguments: {@code --idle 50 --busy 10 --busy-seconds 10}.
 */
public final class TunnelMemoryBench {
    private TunnelMemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> opts = Args.parse(args);
        int idle = Integer.parseInt(opts.getOrDefault("idle", "50"));
        int busy = Integer.parseInt(opts.getOrDefault("busy", "10"));
        int busySeconds = Integer.parseInt(opts.getOrDefault("busy-seconds", "10"));

        try (BenchTarget.Process target = new BenchTarget.Process(Bench.targetAddress());
            KubernetesClient client = Bench.client(null)) {
            Forwarders.BenchEnvironment env = Forwarders.environment(client, "kpe-bench-mem");
            List<Socket> idleSockets = new ArrayList<>();
            try {
                Bench.Table table = new Bench.Table("state", "heap after GC", "JVM threads", "tunnel threads",
                    "delta heap", "delta JVM threads");
                long heap0 = Bench.heapAfterGc();
                int threads0 = Bench.threads();
                table.row("client ready, no tunnel", Bench.mib(heap0), threads0, tunnelThreads(), "", "");
                try (DockerTunnel tunnel = DockerTunnel.open(client, env.namespace(),
                    StatefulSetPodLocator.watching(client, env.namespace(), env.statefulSet()), TunnelOptions.defaults())) {
                    long heap1 = Bench.heapAfterGc();
                    int threads1 = Bench.threads();
                    table.row("tunnel open (after its ping)", Bench.mib(heap1), threads1, tunnelThreads(),
                        Bench.kib(heap1 - heap0), threads1 - threads0);
                    byte[] msg = new byte[16];
                    for (int i = 0; i < idle; i++) {
                        Socket s = LoadClient.connect(tunnel.address());
                        idleSockets.add(s);
                        s.getOutputStream().write('E');
                        s.getOutputStream().write(msg);
                        s.getOutputStream().flush();
                        new DataInputStream(s.getInputStream()).readFully(new byte[msg.length]);
                    }
                    long heap2 = Bench.heapAfterGc();
                    int threads2 = Bench.threads();
                    table.row(idle + " idle connections (" + tunnel.openConnections() + " open)", Bench.mib(heap2),
                        threads2, tunnelThreads(), Bench.kib(heap2 - heap1) + " (" + Bench.kib((heap2 - heap1)
                            / (double) idle) + " each)", (threads2 - threads1) + " (" + Bench.f((threads2 - threads1)
                            / (double) idle) + " each)");

                    AtomicBoolean running = new AtomicBoolean(true);
                    AtomicLong bytes = new AtomicLong();
                    AtomicInteger broken = new AtomicInteger();
                    CountDownLatch done = new CountDownLatch(busy);
                    for (int i = 0; i < busy; i++) {
                        Thread t = new Thread(() -> {
                            try {
                                long n = LoadClient.streamDownload(tunnel.address(), 7, running::get);
                                bytes.addAndGet(Math.abs(n));
                                if (n < 0) {
                                    broken.incrementAndGet();
                                }
                            } catch (IOException e) {
                                broken.incrementAndGet();
                            } finally {
                                done.countDown();
                            }
                        }, "bench-busy-" + i);
                        t.setDaemon(true);
                        t.start();
                    }
                    long peakHeap = 0;
                    int peakThreads = 0;
                    int peakTunnelThreads = 0;
                    long t0 = System.nanoTime();
                    while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(busySeconds)) {
                        peakHeap = Math.max(peakHeap, Bench.heapUsed());
                        peakThreads = Math.max(peakThreads, Bench.threads());
                        peakTunnelThreads = Math.max(peakTunnelThreads, tunnelThreads());
                        Thread.sleep(20);
                    }
                    long heap3 = Bench.heapAfterGc();
                    int threads3 = Bench.threads();
                    int tunnelThreads3 = tunnelThreads();
                    String histogram = histogram(12);
                    int openBusy = tunnel.openConnections();
                    running.set(false);
                    long elapsed = System.nanoTime() - t0;
                    boolean ended = done.await(120, TimeUnit.SECONDS);
                    table.row("+ " + busy + " busy connections (" + openBusy + " open), after GC while busy",
                        Bench.mib(heap3), threads3 + " (" + busy + " are our client threads)", tunnelThreads3,
                        Bench.kib(heap3 - heap2) + " (" + Bench.kib((heap3 - heap2) / (double) busy) + " each)",
                        (threads3 - threads2 - busy) + " without our client threads (" + Bench.f((threads3 - threads2
                            - busy) / (double) busy) + " each)");
                    table.row("peak while busy (sampled every 20 ms, no GC forced)", Bench.mib(peakHeap),
                        peakThreads, peakTunnelThreads, "", "");
                    table.print("Item 5: one tunnel with " + idle + " idle and " + busy + " busy connections");
                    System.out.println();
                    System.out.println("busy connections moved " + (bytes.get() >> 20) + " MiB in " + Bench.f(
                        elapsed / 1e9) + " s (" + Bench.f(bytes.get() / (elapsed / 1e9) / 1e6) + " MB/s together), "
                        + "checksum failures or broken connections: "
                        + broken.get() + (ended ? "" : " (some busy threads did not end in time)"));
                    System.out.println();
                    System.out.println("Largest live classes while busy (after GC):");
                    System.out.println();
                    histogram.lines().forEach(l -> System.out.println("    " + l));
                }
            } finally {
                for (Socket s : idleSockets) {
                    s.close();
                }
                Bench.deleteNamespace(client, env.namespace(), 120);
            }
        }
    }

    /** The first lines of the live-object histogram (a full GC), from the JVM's diagnostic command. */
    private static String histogram(int lines) {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return String.join("\n", String.valueOf(out).lines().limit(lines + 2L).toList());
        } catch (Exception e) {
            return "(no histogram: " + e + ")";
        }
    }

    private static int tunnelThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("kpe-tunnel-")).count();
    }
}
