package io.kubepodenv.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Item 4 with a real Docker daemon behind the port-forwards: the {@code docker} command line through direct TCP, our
 * tunnel and {@code kubectl port-forward} (same API server, same daemon). Per-command latency ({@code docker version})
 * and {@code docker cp} of a large file into a container and back, SHA-256 checked. Needs a cluster whose
 * {@code KPE_DOCKER_TCP} is the daemon's TCP address, the {@code docker} CLI, and an image to create the container
 * from ({@code KPE_TEST_IMAGE}).
 *
 * <p>Arguments: {@code --size 256m --repeat 2 --commands 20 --kubectl PATH --docker docker}.
 */
public final class DockerBench {
    private DockerBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args);
        long size = TunnelBench.bytes(opts.getOrDefault("size", "256m"));
        int repeat = Integer.parseInt(opts.getOrDefault("repeat", "2"));
        int commands = Integer.parseInt(opts.getOrDefault("commands", "20"));
        String kubectl = opts.getOrDefault("kubectl", System.getenv().getOrDefault("KPE_KUBECTL", "kubectl"));
        String docker = opts.getOrDefault("docker", "docker");
        String image = System.getenv().getOrDefault("KPE_TEST_IMAGE", "kpe-test/busybox:latest");
        String direct = "tcp://" + System.getenv().getOrDefault("KPE_DOCKER_TCP", "127.0.0.1:23750");

        Path dir = Files.createTempDirectory("kpe-bench-docker");
        Path file = dir.resolve("upload.bin");
        String container = "kpe-bench-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 30, 1L << 35), 36);
        try (KubernetesClient client = Bench.client(null)) {
            String sha;
            try (OutputStream out = Files.newOutputStream(file)) {
                new Payload(11).write(out, size);
            }
            sha = sha256(file);
            run(docker, direct, 120, "create", "--name", container, image, "true");
            Forwarders.BenchEnvironment env = Forwarders.environment(client, "kpe-bench-docker");
            try (DockerTunnel tunnel = DockerTunnel.open(client, env.namespace(),
                StatefulSetPodLocator.watching(client, env.namespace(), env.statefulSet()), TunnelOptions.defaults());
                Forwarders.KubectlPortForward kubectlForward = new Forwarders.KubectlPortForward(kubectl,
                    env.namespace(), env.pod())) {
                Map<String, String> modes = new LinkedHashMap<>();
                modes.put("direct", direct);
                modes.put("kpe tunnel", tunnel.dockerHost());
                modes.put("kubectl port-forward", "tcp://127.0.0.1:" + kubectlForward.address().getPort());
                for (String host : modes.values()) {
                    for (int i = 0; i < 3; i++) {
                        run(docker, host, 60, "version", "--format", "{{.Server.Version}}");
                    }
                }
                Map<String, double[]> version = new LinkedHashMap<>();
                for (Map.Entry<String, String> m : modes.entrySet()) {
                    double[] t = new double[commands];
                    for (int i = 0; i < commands; i++) {
                        t[i] = Bench.ms(run(docker, m.getValue(), 60, "version", "--format", "{{.Server.Version}}"));
                    }
                    version.put(m.getKey(), t);
                }
                Map<String, List<Double>> up = new LinkedHashMap<>();
                Map<String, List<Double>> down = new LinkedHashMap<>();
                Map<String, Integer> intact = new LinkedHashMap<>();
                for (int r = 0; r < repeat; r++) {
                    for (Map.Entry<String, String> m : modes.entrySet()) {
                        long u = run(docker, m.getValue(), 600, "cp", file.toString(), container + ":/bench.bin");
                        Path back = dir.resolve("download.bin");
                        Files.deleteIfExists(back);
                        long d = run(docker, m.getValue(), 600, "cp", container + ":/bench.bin", back.toString());
                        up.computeIfAbsent(m.getKey(), k -> new ArrayList<>()).add(size / (u / 1e9) / 1e6);
                        down.computeIfAbsent(m.getKey(), k -> new ArrayList<>()).add(size / (d / 1e9) / 1e6);
                        intact.merge(m.getKey(), sha.equals(sha256(back)) ? 1 : 0, Integer::sum);
                        Files.deleteIfExists(back);
                        System.err.println(m.getKey() + " repetition " + (r + 1) + " done");
                    }
                }
                Bench.Table table = new Bench.Table("mode", "`docker version`: median / p90 ms",
                    "`docker cp` up MB/s (median of " + repeat + ")", "`docker cp` down MB/s", "downloads intact");
                for (String mode : modes.keySet()) {
                    double[] v = version.get(mode);
                    table.row(mode, Bench.f(Bench.median(v)) + " / " + Bench.f(Bench.percentile(v, 90)),
                        Bench.f(median(up.get(mode))), Bench.f(median(down.get(mode))),
                        intact.get(mode) + " / " + repeat);
                }
                table.print("Item 4b: the docker CLI through each path to one dockerd (" + (size >> 20)
                    + " MiB file, " + commands + " commands)");
                String k = "kpe tunnel";
                String c = "kubectl port-forward";
                new Bench.Table("ratio (kpe tunnel / kubectl port-forward)", "value")
                    .row("`docker version` median (lower is better)",
                        Bench.f(Bench.median(version.get(k)) / Bench.median(version.get(c))))
                    .row("`docker cp` up", Bench.f(median(up.get(k)) / median(up.get(c))))
                    .row("`docker cp` down", Bench.f(median(down.get(k)) / median(down.get(c))))
                    .print("Item 4b: ratios");
            } finally {
                Bench.deleteNamespace(client, env.namespace(), 120);
            }
        } finally {
            try {
                run(docker, direct, 60, "rm", "-f", container);
            } catch (IOException e) {
                System.err.println("could not remove container " + container + ": " + e.getMessage());
            }
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir.resolve("download.bin"));
            Files.deleteIfExists(dir);
        }
    }

    /** Runs {@code docker} against {@code host}; returns the wall time in nanoseconds. */
    private static long run(String docker, String host, int timeoutSeconds, String... args)
        throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(docker, "--host", host));
        command.addAll(List.of(args));
        return Bench.runCommand(command, timeoutSeconds);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static double median(List<Double> values) {
        return Bench.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
