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
 * is checked end to end with SHA-256.
 *
 * <p>Arguments: {@code --sizes 256m,4g} (every mode gets the first size; direct and tunnel also the larger ones),
 * {@code --round-trips 2000}, {@code --baseline-dir bench/tunnel} (where preevy-forward.js and node_modules are;
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
        Path baselineDir = Path.of(opts.getOrDefault("baseline-dir", "bench/tunnel"));
        long warmup = bytes(opts.getOrDefault("warmup", "16m"));
        String only = opts.get("modes"); // e.g. "tunnel,direct": keep modes whose name contains one of these

        List<String> results = new ArrayList<>();
        results.add("| mode | size | upload MB/s | download MB/s |");
        results.add("|---|---|---|---|");
        List<String> latency = new ArrayList<>();
        latency.add("| mode | round trips | median us | p90 us | p99 us |");
        latency.add("|---|---|---|---|---|");

        try (PortForwardLoadServer load = new PortForwardLoadServer();
                DockerMockCluster cluster = DockerMockCluster.forTargets((pod, port) -> load.address())) {
            cluster.createDockerHost("bench");
            try (DockerTunnel tunnel = DockerTunnel.openWithoutPing(cluster.client(), DockerMockCluster.NAMESPACE,
                    new StatefulSetPodLocator(cluster.client(), DockerMockCluster.NAMESPACE, "bench"),
                    TunnelOptions.defaults());
                    DockerTunnel viaClient = DockerTunnel.openWithoutPing(cluster.client(),
                            DockerMockCluster.NAMESPACE,
                            new StatefulSetPodLocator(cluster.client(), DockerMockCluster.NAMESPACE, "bench"),
                            TunnelOptions.defaults().withTransport(TunnelOptions.Transport.CLIENT_WEBSOCKET));
                    Baseline preevy = Baseline.start(baselineDir, cluster)) {
                Map<String, InetSocketAddress> modes = new LinkedHashMap<>();
                modes.put("direct loopback", load.address());
                modes.put("kpe tunnel", tunnel.address());
                modes.put("kpe tunnel on the client's websocket", viaClient.address());
                if (preevy != null) {
                    modes.put("preevy-style (client-node 0.18.1)", preevy.address);
                }
                if (only != null) {
                    modes.keySet().removeIf(name -> Arrays.stream(only.split(",")).noneMatch(name::contains));
                }
                // warm up the JIT and the connections' code paths
                for (Map.Entry<String, InetSocketAddress> mode : modes.entrySet()) {
                    System.err.println("warming up " + mode.getKey());
                    PortForwardLoadClient.upload(mode.getValue(), warmup, 99);
                    PortForwardLoadClient.download(mode.getValue(), warmup, 99);
                    PortForwardLoadClient.roundTrips(mode.getValue(), 200);
                }
                for (Map.Entry<String, InetSocketAddress> mode : modes.entrySet()) {
                    long[] rtt = PortForwardLoadClient.roundTrips(mode.getValue(), roundTrips);
                    Arrays.sort(rtt);
                    latency.add(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f |", mode.getKey(),
                            roundTrips, rtt[rtt.length / 2] / 1e3, rtt[(int) (rtt.length * 0.9)] / 1e3,
                            rtt[(int) (rtt.length * 0.99)] / 1e3));
                    System.err.println(latency.get(latency.size() - 1));
                }
                for (int i = 0; i < sizes.size(); i++) {
                    long size = sizes.get(i);
                    for (Map.Entry<String, InetSocketAddress> mode : modes.entrySet()) {
                        if (i > 0 && mode.getKey().startsWith("preevy")) {
                            continue;
                        }
                        String up = mbps(size, () -> PortForwardLoadClient.upload(mode.getValue(), size, size + 1));
                        String down = mbps(size,
                                () -> PortForwardLoadClient.download(mode.getValue(), size, size + 2));
                        results.add("| " + mode.getKey() + " | " + human(size) + " | " + up + " | " + down + " |");
                        System.err.println(results.get(results.size() - 1));
                    }
                }
                results.add("");
                results.add("Largest frame the tunnel sent: " + cluster.portForward().maxFrameSeen() + " bytes.");
            }
        }
        System.out.println(String.join("\n", latency));
        System.out.println();
        System.out.println(String.join("\n", results));
    }

    interface Transfer {
        long run() throws IOException;
    }

    private static String mbps(long size, Transfer transfer) {
        try {
            long nanos = transfer.run();
            return String.format(Locale.ROOT, "%.0f", size / (nanos / 1e9) / 1e6);
        } catch (IOException e) {
            return "FAILED (" + e.getMessage() + ")";
        }
    }

    /** The Preevy-style forwarder: node preevy-forward.js against the mock server. */
    static final class Baseline implements AutoCloseable {
        final Process process;
        final InetSocketAddress address;

        private Baseline(Process process, InetSocketAddress address) {
            this.process = process;
            this.address = address;
        }

        static Baseline start(Path dir, DockerMockCluster cluster) throws IOException {
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
            Process p = pb.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null) {
                p.destroyForcibly();
                throw new IOException("the baseline forwarder did not start");
            }
            return new Baseline(p, new InetSocketAddress("127.0.0.1", Integer.parseInt(line.trim())));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
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
