package io.kubepodenv.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.ReadyEnvironment;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An environment to forward to, and {@code kubectl port-forward} to it. */
final class Forwarders {
    private Forwarders() {
    }

    /** A new namespace with one environment (short template) ready in it. */
    record BenchEnvironment(String namespace, String statefulSet, String pod) {
    }

    static BenchEnvironment environment(KubernetesClient client, String prefix) throws InterruptedException {
        String ns = Bench.namespace(client, prefix);
        Options options = Options.builder().namespace(ns).template(Bench.shortTemplate())
            .readyTimeout(Duration.ofMinutes(3)).build();
        try (KubePodEnv engine = new KubePodEnv(client, options, DockerServerCheck.TUNNEL_PING)) {
            ReadyEnvironment ready = engine.up(EnvironmentKey.of(prefix), ProgressListener.NONE);
            return new BenchEnvironment(ns, ready.environment().dockerHost(), ready.pod());
        }
    }

    /** {@code kubectl port-forward --address 127.0.0.1 pod/<pod> :2375}, a process of ours. */
    static final class KubectlPortForward implements AutoCloseable {
        private static final Pattern FORWARDING = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> 2375");
        private final Process process;
        private final InetSocketAddress address;

        KubectlPortForward(String kubectl, String namespace, String pod) throws IOException {
            process = new ProcessBuilder(List.of(kubectl, "port-forward", "--address", "127.0.0.1", "-n", namespace,
                "pod/" + pod, ":2375")).redirectErrorStream(true).start();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            StringBuilder output = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        Matcher m = FORWARDING.matcher(line);
                        if (m.find()) {
                            port.complete(Integer.parseInt(m.group(1)));
                        } else if (!port.isDone()) {
                            output.append(line).append('\n');
                        }
                    }
                } catch (IOException e) {
                    // process ended
                }
                port.completeExceptionally(new IOException("kubectl port-forward ended: " + output));
            }, "kubectl-output");
            reader.setDaemon(true);
            reader.start();
            try {
                address = new InetSocketAddress("127.0.0.1", port.get(30, TimeUnit.SECONDS));
            } catch (Exception e) {
                close();
                throw new IOException("kubectl port-forward did not start: " + e.getMessage(), e);
            }
        }

        InetSocketAddress address() {
            return address;
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
