package io.kubepodenv.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Item 4: direct loopback vs our tunnel vs {@code kubectl port-forward}, through the same API server and kwok node
 * to the same target ({@link BenchTarget} at the cluster's {@code KPE_DOCKER_TCP}). Upload and download throughput
 * (checksummed end to end), round-trip latency of small messages on one connection, and a new connection with a
 * Docker {@code GET /_ping} (what each docker command pays). Modes alternate within each repetition.
 *
 * <p>Arguments: {@code --size 256m --repeat 3 --round-trips 2000 --pings 200 --kubectl PATH}.
 */
public final class TunnelBench {
    private TunnelBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args);
        long size = bytes(opts.getOrDefault("size", "256m"));
        int repeat = Integer.parseInt(opts.getOrDefault("repeat", "3"));
        int roundTrips = Integer.parseInt(opts.getOrDefault("round-trips", "2000"));
        int pings = Integer.parseInt(opts.getOrDefault("pings", "200"));
        String kubectl = opts.getOrDefault("kubectl", System.getenv().getOrDefault("KPE_KUBECTL", "kubectl"));

        try (BenchTarget target = new BenchTarget(Bench.targetAddress());
            KubernetesClient client = Bench.client(null)) {
            Forwarders.BenchEnvironment env = Forwarders.environment(client, "kpe-bench-tunnel");
            try (DockerTunnel tunnel = DockerTunnel.open(client, env.namespace(),
                StatefulSetPodLocator.watching(client, env.namespace(), env.statefulSet()), TunnelOptions.defaults()
                        .withMaxFramePayload(Integer.parseInt(opts.getOrDefault("frame",
                                String.valueOf(TunnelOptions.DEFAULT_FRAME_PAYLOAD)))));
                Forwarders.KubectlPortForward kubectlForward = new Forwarders.KubectlPortForward(kubectl,
                    env.namespace(), env.pod())) {
                Map<String, InetSocketAddress> modes = new LinkedHashMap<>();
                modes.put("direct", target.address());
                modes.put("kpe tunnel", tunnel.address());
                modes.put("kubectl port-forward", kubectlForward.address());
                Map<String, Long> forwarders = new LinkedHashMap<>();
                forwarders.put("direct", ProcessHandle.current().pid());
                forwarders.put("kpe tunnel", ProcessHandle.current().pid());
                forwarders.put("kubectl port-forward", kubectlForward.pid());
                run(modes, forwarders, size, repeat, roundTrips, pings);
                StatefulSetPodLocator locator = new StatefulSetPodLocator(client, env.namespace(), env.statefulSet());
                long[] lookups = new long[pings];
                for (int i = 0; i < pings; i++) {
                    long t0 = System.nanoTime();
                    locator.readyPod();
                    lookups[i] = System.nanoTime() - t0;
                }
                double[] l = Bench.toMs(lookups);
                System.out.println();
                System.out.println("of a kpe tunnel's new connection: the tunnel watches its pod and makes no request while"
                    + " it is Ready; without the watch, the pod lookup (StatefulSetPodLocator.readyPod:"
                    + " a GET of <set>-0 when it is Ready, else a GET and a LIST) takes median " + Bench.f(Bench.median(l)) + " ms, p90 "
                    + Bench.f(Bench.percentile(l, 90)) + " ms; the rest is the stream pair's opening on the tunnel's SPDY"
                    + " session, through the API server and the kubelet (kwok), and the target's TCP connection");
            } finally {
                Bench.deleteNamespace(client, env.namespace(), 120);
            }
        }
    }

    private static void run(Map<String, InetSocketAddress> modes, Map<String, Long> forwarders, long size, int repeat,
        int roundTrips, int pings) throws Exception {
        long self = ProcessHandle.current().pid();
        Map<String, Long> servers = ProcessCpu.serverProcesses();
        // CPU seconds per repetition: [mode][process] where process is "this JVM", the mode's forwarder, the servers
        Map<String, Map<String, List<Double>>> cpu = new LinkedHashMap<>();
        long seed = 42;
        Payload payload = new Payload(seed);
        long expected = payload.expected(size);
        long warm = 16L << 20;
        long warmExpected = payload.expected(warm);
        for (Map.Entry<String, InetSocketAddress> m : modes.entrySet()) {
            System.err.println("warming up " + m.getKey());
            LoadClient.upload(m.getValue(), warm, payload, warmExpected);
            LoadClient.download(m.getValue(), warm, seed, warmExpected);
            LoadClient.roundTrips(m.getValue(), 200, 64);
            for (int i = 0; i < 20; i++) {
                LoadClient.connectAndPing(m.getValue());
            }
        }
        Map<String, List<Double>> up = new LinkedHashMap<>();
        Map<String, List<Double>> down = new LinkedHashMap<>();
        Map<String, Integer> intact = new LinkedHashMap<>();
        for (int r = 0; r < repeat; r++) {
            for (Map.Entry<String, InetSocketAddress> m : modes.entrySet()) {
                Map<String, Long> watched = new LinkedHashMap<>();
                watched.put("jvm", self);
                watched.put("forwarder", forwarders.get(m.getKey()));
                watched.putAll(servers);
                Map<String, Double> before = new LinkedHashMap<>();
                watched.forEach((name, pid) -> before.put(name, ProcessCpu.seconds(pid)));
                LoadClient.Transfer u = LoadClient.upload(m.getValue(), size, payload, expected);
                LoadClient.Transfer d = LoadClient.download(m.getValue(), size, seed, expected);
                Map<String, List<Double>> used = cpu.computeIfAbsent(m.getKey(), k -> new LinkedHashMap<>());
                watched.forEach((name, pid) -> used.computeIfAbsent(name, k -> new ArrayList<>())
                    .add(ProcessCpu.seconds(pid) - before.get(name)));
                up.computeIfAbsent(m.getKey(), k -> new ArrayList<>()).add(u.mbPerSecond(size));
                down.computeIfAbsent(m.getKey(), k -> new ArrayList<>()).add(d.mbPerSecond(size));
                intact.merge(m.getKey(), (u.intact() ? 1 : 0) + (d.intact() ? 1 : 0), Integer::sum);
                System.err.println(m.getKey() + " repetition " + (r + 1) + " done");
            }
        }
        Map<String, double[]> rtt = new LinkedHashMap<>();
        Map<String, double[]> ping = new LinkedHashMap<>();
        for (Map.Entry<String, InetSocketAddress> m : modes.entrySet()) {
            rtt.put(m.getKey(), Bench.toMs(LoadClient.roundTrips(m.getValue(), roundTrips, 64)));
            long[] p = new long[pings];
            for (int i = 0; i < pings; i++) {
                p[i] = LoadClient.connectAndPing(m.getValue());
            }
            ping.put(m.getKey(), Bench.toMs(p));
        }

        Bench.Table table = new Bench.Table("mode", "upload MB/s (median of " + repeat + ")",
            "download MB/s (median of " + repeat + ")", "transfers intact", "round trip 64 B: median / p90 / p99 ms",
            "new connection + GET /_ping: median / p90 / p99 ms");
        for (String mode : modes.keySet()) {
            double[] r = rtt.get(mode);
            double[] p = ping.get(mode);
            table.row(mode, Bench.f(median(up.get(mode))), Bench.f(median(down.get(mode))),
                intact.get(mode) + " / " + (2 * repeat),
                Bench.f(Bench.median(r)) + " / " + Bench.f(Bench.percentile(r, 90)) + " / "
                    + Bench.f(Bench.percentile(r, 99)),
                Bench.f(Bench.median(p)) + " / " + Bench.f(Bench.percentile(p, 90)) + " / "
                    + Bench.f(Bench.percentile(p, 99)));
        }
        table.print("Item 4: " + (size >> 20) + " MiB upload and download, " + roundTrips + " round trips, " + pings
            + " new connections, per mode");
        String k = "kpe tunnel";
        String c = "kubectl port-forward";
        new Bench.Table("ratio", "value")
            .row("upload: kpe / kubectl", Bench.f(median(up.get(k)) / median(up.get(c))))
            .row("download: kpe / kubectl", Bench.f(median(down.get(k)) / median(down.get(c))))
            .row("round trip median: kpe / kubectl (lower is better)",
                Bench.f(Bench.median(rtt.get(k)) / Bench.median(rtt.get(c))))
            .row("new connection + ping median: kpe / kubectl (lower is better)",
                Bench.f(Bench.median(ping.get(k)) / Bench.median(ping.get(c))))
            .row("upload: kpe / direct", Bench.f(median(up.get(k)) / median(up.get("direct"))))
            .row("download: kpe / direct", Bench.f(median(down.get(k)) / median(down.get("direct"))))
            .print("Item 4: ratios");
        printCpu(modes.keySet(), cpu, servers.keySet(), 2.0 * size / (1L << 30));
    }

    /**
     * CPU per GiB moved (upload and download of one repetition), median of the repetitions. The load client and the
     * target run in this JVM in every mode, so the tunnel's own share is this JVM's CPU in its mode minus this JVM's
     * CPU in the direct mode; kubectl's is its process's.
     */
    private static void printCpu(java.util.Set<String> modes, Map<String, Map<String, List<Double>>> cpu,
        java.util.Set<String> servers, double gib) {
        double clientAndTarget = median(cpu.get("direct").get("jvm"));
        List<String> headers = new ArrayList<>(List.of("mode", "forwarder CPU s per GiB"));
        servers.forEach(s -> headers.add(s + " CPU s per GiB"));
        headers.add("forwarder + servers");
        Bench.Table table = new Bench.Table(headers.toArray(String[]::new));
        Map<String, Double> forwarderPerGib = new LinkedHashMap<>();
        Map<String, Double> pathPerGib = new LinkedHashMap<>();
        for (String mode : modes) {
            if (mode.equals("direct")) {
                continue;
            }
            Map<String, List<Double>> used = cpu.get(mode);
            double forwarder = mode.equals("kpe tunnel") ? median(used.get("jvm")) - clientAndTarget
                : median(used.get("forwarder"));
            List<String> row = new ArrayList<>(List.of(mode, Bench.f(forwarder / gib)));
            double path = forwarder;
            for (String s : servers) {
                double v = median(used.get(s));
                path += v;
                row.add(Bench.f(v / gib));
            }
            row.add(Bench.f(path / gib));
            forwarderPerGib.put(mode, forwarder / gib);
            pathPerGib.put(mode, path / gib);
            table.row(row.toArray(String[]::new));
        }
        table.print("Item 4: CPU per GiB moved (median of the repetitions; the tunnel's share is this JVM's CPU minus"
            + " its CPU in the direct mode)");
        String k = "kpe tunnel";
        String c = "kubectl port-forward";
        new Bench.Table("ratio", "value")
            .row("forwarder CPU per GiB: kpe / kubectl (lower is better)",
                Bench.f(forwarderPerGib.get(k) / forwarderPerGib.get(c)))
            .row("forwarder + servers CPU per GiB: kpe / kubectl (lower is better)",
                Bench.f(pathPerGib.get(k) / pathPerGib.get(c)))
            .print("Item 4: CPU ratios");
    }

    private static double median(List<Double> values) {
        return Bench.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static long bytes(String s) {
        String v = s.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        if (v.endsWith("k")) {
            unit = 1L << 10;
        } else if (v.endsWith("m")) {
            unit = 1L << 20;
        } else if (v.endsWith("g")) {
            unit = 1L << 30;
        }
        return Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
    }
}
