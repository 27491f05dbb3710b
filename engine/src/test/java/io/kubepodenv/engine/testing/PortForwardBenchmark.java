package io.kubepodenv.engine.testing;

import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The tunnel benchmark (bench/tunnel/run.sh): throughput and round trip through one API-server stand-in (the fabric8
 * mock server's port-forward bridged to a local TCP server), for direct loopback, our tunnel, and the Preevy-style
 * forwarder ({@code @kubernetes/client-node}, one websocket per connection), side by side in one run. Every transfer
 * is checked end to end. Each forwarder runs in a process of its own (ours in {@link TunnelProcess}), as in use, and
 * the CPU time that process spends is reported per GiB moved.
 *
 * <p>Arguments: {@code --sizes 256m,4g} (every mode, each size), {@code --round-trips 2000} and {@code --repeat 3}
 * (rounds, each mode once per round; transfers report the median of the rounds), {@code --warmup 256m}
 * (each way, per mode, before anything is measured), {@code --modes tunnel,preevy} (keep the modes whose name
 * contains one of these), {@code --baseline-dir bench/tunnel} (where preevy-forward.js and node_modules are;
 * absent: no baseline).
 */
public final class PortForwardBenchmark {
    private PortForwardBenchmark() {
    }

    record Row(String mode, String what, String value) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        List<Long> sizes = Arrays.stream(opts.getOrDefault("sizes", "256m,4g").split(","))
                .map(PortForwardBenchmark::bytes).toList();
        int roundTrips = Integer.parseInt(opts.getOrDefault("round-trips", "2000"));
        int repeat = Integer.parseInt(opts.getOrDefault("repeat", "3"));
        Path baselineDir = Path.of(opts.getOrDefault("baseline-dir", "bench/tunnel"));
        long warmup = bytes(opts.getOrDefault("warmup", "256m"));
        String only = opts.get("modes"); // e.g. "tunnel,direct": keep modes whose name contains one of these

        List<String> results = new ArrayList<>();
        results.add("| mode | size | upload MB/s | download MB/s | forwarder CPU s per GiB up | down"
                + " | stand-in and load CPU s per GiB up | down |");
        results.add("|---|---|---|---|---|---|---|---|");
        List<String> latency = new ArrayList<>();
        latency.add("| mode | round trips | median us | p90 us | p99 us |");
        latency.add("|---|---|---|---|---|");
        Map<String, double[]> firstSize = new LinkedHashMap<>();

        try (PortForwardLoadServer load = new PortForwardLoadServer();
                DockerMockCluster cluster = DockerMockCluster.forTargets((pod, port) -> load.address())) {
            cluster.createDockerHost("bench");
            try (Forwarder tunnel = Forwarder.tunnel(cluster);
                    Forwarder preevy = Forwarder.preevy(baselineDir, cluster)) {
                Map<String, Forwarder> modes = new LinkedHashMap<>();
                modes.put("direct loopback", new Forwarder(null, load.address()));
                modes.put("kpe tunnel", tunnel);
                if (preevy != null) {
                    modes.put(PREEVY, preevy);
                }
                if (only != null) {
                    modes.keySet().removeIf(name -> Arrays.stream(only.split(",")).noneMatch(name::contains));
                }
                // warm up the JIT and the connections' code paths
                for (Map.Entry<String, Forwarder> mode : modes.entrySet()) {
                    System.err.println("warming up " + mode.getKey());
                    PortForwardLoadClient.upload(mode.getValue().address, warmup, 99);
                    PortForwardLoadClient.download(mode.getValue().address, warmup, 99);
                    PortForwardLoadClient.roundTrips(mode.getValue().address, 200);
                }
                // Rounds: every mode once per round, so that a change in the machine's load between rounds
                // touches all modes alike; the figures are over all rounds (latency) or their median (transfers).
                Map<String, List<Long>> rtts = new LinkedHashMap<>();
                for (int r = 0; r < repeat; r++) {
                    for (Map.Entry<String, Forwarder> mode : modes.entrySet()) {
                        long[] samples = PortForwardLoadClient.roundTrips(mode.getValue().address, roundTrips);
                        List<Long> all = rtts.computeIfAbsent(mode.getKey(), k -> new ArrayList<>());
                        Arrays.stream(samples).forEach(all::add);
                    }
                }
                for (Map.Entry<String, List<Long>> mode : rtts.entrySet()) {
                    long[] rtt = mode.getValue().stream().mapToLong(Long::longValue).sorted().toArray();
                    latency.add(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f |", mode.getKey(),
                            rtt.length, rtt[rtt.length / 2] / 1e3, rtt[(int) (rtt.length * 0.9)] / 1e3,
                            rtt[(int) (rtt.length * 0.99)] / 1e3));
                    System.err.println(latency.get(latency.size() - 1));
                }
                for (int i = 0; i < sizes.size(); i++) {
                    long size = sizes.get(i);
                    Map<String, List<Measured>> ups = new LinkedHashMap<>();
                    Map<String, List<Measured>> downs = new LinkedHashMap<>();
                    for (int r = 0; r < repeat; r++) {
                        for (Map.Entry<String, Forwarder> mode : modes.entrySet()) {
                            Forwarder f = mode.getValue();
                            ups.computeIfAbsent(mode.getKey(), k -> new ArrayList<>()).add(f.measure(size,
                                    () -> PortForwardLoadClient.upload(f.address, size, size + 1)));
                            downs.computeIfAbsent(mode.getKey(), k -> new ArrayList<>()).add(f.measure(size,
                                    () -> PortForwardLoadClient.download(f.address, size, size + 2)));
                        }
                    }
                    for (String mode : modes.keySet()) {
                        Measured up = Measured.median(ups.get(mode));
                        Measured down = Measured.median(downs.get(mode));
                        if (i == 0) {
                            firstSize.put(mode, new double[] {up.mbps, down.mbps, up.cpuPerGib, down.cpuPerGib,
                                up.restPerGib, down.restPerGib});
                        }
                        results.add("| " + mode + " | " + human(size) + " | " + up.rate() + " | "
                                + down.rate() + " | " + up.cpu() + " | " + down.cpu() + " | " + up.rest() + " | "
                                + down.rest() + " |");
                        System.err.println(results.get(results.size() - 1));
                    }
                }
                results.add("");
                results.add("Largest frame the tunnel sent: " + cluster.portForward().maxFrameSeen() + " bytes.");
            }
        }
        double[] kpe = firstSize.get("kpe tunnel");
        double[] baseline = firstSize.get(PREEVY);
        if (kpe != null && baseline != null) {
            results.add("");
            results.add("| kpe tunnel / Preevy-style, " + human(sizes.get(0)) + " | upload | download |");
            results.add("|---|---|---|");
            results.add(String.format(Locale.ROOT, "| throughput (higher is better) | %.2f | %.2f |",
                    kpe[0] / baseline[0], kpe[1] / baseline[1]));
            results.add(String.format(Locale.ROOT, "| forwarder CPU per GiB (lower is better) | %.2f | %.2f |",
                    kpe[2] / baseline[2], kpe[3] / baseline[3]));
            // With every process sharing the machine's cores, a transfer's rate is about cores / (CPU per GiB of
            // all processes). A forwarder that cost nothing would beat the baseline by this much at most:
            results.add(String.format(Locale.ROOT, "| most a forwarder costing no CPU could reach, from the CPU"
                    + " figures: (stand-in and load + Preevy-style) / (stand-in and load) | %.2f | %.2f |",
                    (kpe[4] + baseline[2]) / kpe[4], (kpe[5] + baseline[3]) / kpe[5]));
        }
        System.out.println(String.join("\n", latency));
        System.out.println();
        System.out.println(String.join("\n", results));
    }

    private static final String PREEVY = "preevy-style (client-node 0.18.1)";

    interface Transfer {
        long run() throws IOException;
    }

    /** A transfer's rate, and the CPU time the forwarder's process spent on it per GiB (NaN when not known). */
    record Measured(double mbps, double cpuPerGib, double restPerGib, String failure) {
        /** The median by rate, and the median CPU time; a failed transfer in the list is reported as such. */
        static Measured median(List<Measured> all) {
            for (Measured m : all) {
                if (m.failure != null) {
                    return m;
                }
            }
            double[] rates = all.stream().mapToDouble(Measured::mbps).sorted().toArray();
            double[] cpus = all.stream().mapToDouble(Measured::cpuPerGib).sorted().toArray();
            double[] rest = all.stream().mapToDouble(Measured::restPerGib).sorted().toArray();
            return new Measured(rates[rates.length / 2], cpus[cpus.length / 2], rest[rest.length / 2], null);
        }

        String rate() {
            return failure != null ? "FAILED (" + failure + ")" : String.format(Locale.ROOT, "%.0f", mbps);
        }

        String cpu() {
            return Double.isNaN(cpuPerGib) ? "-" : String.format(Locale.ROOT, "%.2f", cpuPerGib);
        }

        String rest() {
            return String.format(Locale.ROOT, "%.2f", restPerGib);
        }
    }

    /**
     * A local address that forwards to the stand-in, and the process doing it (null: none, direct loopback). The
     * forwarders run in processes of their own, as they would in use, so that the CPU time each spends can be read.
     */
    static final class Forwarder implements AutoCloseable {
        final Process process;
        final InetSocketAddress address;

        Forwarder(Process process, InetSocketAddress address) {
            this.process = process;
            this.address = address;
        }

        /**
         * Runs a transfer; besides its rate, the CPU time per GiB of the forwarder's process and of this one (the
         * API-server stand-in, the load client and server: what every mode pays alike).
         */
        Measured measure(long size, Transfer transfer) {
            Duration before = cpu();
            Duration restBefore = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
            try {
                long nanos = transfer.run();
                Duration after = cpu();
                Duration restAfter = ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
                double gib = size / (double) (1L << 30);
                double perGib = before == null || after == null ? Double.NaN
                        : after.minus(before).toMillis() / 1e3 / gib;
                return new Measured(size / (nanos / 1e9) / 1e6, perGib,
                        restAfter.minus(restBefore).toMillis() / 1e3 / gib, null);
            } catch (IOException e) {
                return new Measured(0, Double.NaN, Double.NaN, e.getMessage());
            }
        }

        private Duration cpu() {
            return process == null ? null : process.toHandle().info().totalCpuDuration().orElse(null);
        }

        /** A kpe tunnel in a JVM of its own ({@link TunnelProcess}), with the options the kpe launcher sets. */
        static Forwarder tunnel(DockerMockCluster cluster) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-Djdk.httpclient.bufsize=131072",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                    TunnelProcess.class.getName(), cluster.client().getMasterUrl().toString(),
                    DockerMockCluster.NAMESPACE, "bench")
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            return started(pb.start(), "127.0.0.1");
        }

        /** The Preevy-style forwarder: node preevy-forward.js against the mock server. */
        static Forwarder preevy(Path dir, DockerMockCluster cluster) throws IOException {
            Path script = dir.resolve("preevy-forward.js");
            if (!Files.isRegularFile(script) || !Files.isDirectory(dir.resolve("node_modules"))) {
                System.err.println("no baseline: " + script + " or its node_modules missing (npm install in " + dir
                        + ")");
                return null;
            }
            ProcessBuilder pb = new ProcessBuilder("node", script.getFileName().toString()).directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put("KPE_BENCH_SERVER", cluster.client().getMasterUrl().toString().replaceAll("/+$", ""));
            pb.environment().put("KPE_BENCH_NAMESPACE", DockerMockCluster.NAMESPACE);
            pb.environment().put("KPE_BENCH_POD", "bench-0");
            pb.environment().put("KPE_BENCH_PORT", "2375");
            return started(pb.start(), "127.0.0.1");
        }

        private static Forwarder started(Process p, String host) throws IOException {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null) {
                p.destroyForcibly();
                throw new IOException("the forwarder " + p.info().command().orElse("?") + " did not start");
            }
            return new Forwarder(p, new InetSocketAddress(host, Integer.parseInt(line.trim())));
        }

        @Override
        public void close() throws InterruptedException, IOException {
            if (process == null) {
                return;
            }
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            m.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return m;
    }

    static long bytes(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long unit = t.endsWith("g") ? 1L << 30 : t.endsWith("m") ? 1L << 20 : t.endsWith("k") ? 1L << 10 : 1;
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }

    static String human(long bytes) {
        return bytes >= 1L << 30 ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }
}
