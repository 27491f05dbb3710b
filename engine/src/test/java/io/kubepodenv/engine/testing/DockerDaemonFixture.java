package io.kubepodenv.engine.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real Docker daemon the tests talk to, started by {@code testing/docker/start.sh}.
 *
 * <p>Found through {@code KPE_TEST_DOCKER_HOST} (environment) or the {@code env} file the start script writes in
 * {@code ${KPE_DOCKER_DIR:-${TMPDIR:-/tmp}/kpe-docker}}. When it is missing or does not answer, {@link #require()}
 * fails the test with instructions: Docker tests never skip.
 */
public final class DockerDaemonFixture {
    public static final String HOW_TO_START = "start it with testing/docker/start.sh (installs docker.io if needed;"
            + " .ci/run does this), or point KPE_TEST_DOCKER_HOST at a daemon (unix:///path/docker.sock)";

    private final String dockerHost;
    private final SocketAddress address;
    private final String image;
    private final String dockerCli;

    private DockerDaemonFixture(String dockerHost, SocketAddress address, String image, String dockerCli) {
        this.dockerHost = dockerHost;
        this.address = address;
        this.image = image;
        this.dockerCli = dockerCli;
    }

    /** The test daemon, or an {@link AssertionError} that says how to start it. */
    public static DockerDaemonFixture require() {
        Map<String, String> settings = settings();
        String host = settings.get("KPE_TEST_DOCKER_HOST");
        if (host == null || host.isBlank()) {
            throw new AssertionError("no Docker daemon for the tests: " + stateEnvFile() + " does not exist and"
                    + " KPE_TEST_DOCKER_HOST is not set; " + HOW_TO_START);
        }
        SocketAddress address = parse(host);
        String image = settings.getOrDefault("KPE_TEST_IMAGE", "kpe-test/busybox:latest");
        DockerDaemonFixture daemon = new DockerDaemonFixture(host, address, image, findDockerCli());
        try {
            daemon.pingDirect();
        } catch (IOException e) {
            throw new AssertionError("the test Docker daemon at " + host + " does not answer (" + e.getMessage()
                    + "); " + HOW_TO_START, e);
        }
        return daemon;
    }

    /** Where the daemon listens, for a bridge to connect to (unix socket or TCP). */
    public SocketAddress address() {
        return address;
    }

    /** {@code DOCKER_HOST} of the daemon itself, bypassing any tunnel. */
    public String directDockerHost() {
        return dockerHost;
    }

    /** The locally imported busybox image (no registry is reachable). */
    public String image() {
        return image;
    }

    /** Opens a new connection straight to the daemon. */
    public SocketChannel connect() throws IOException {
        SocketChannel channel = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        try {
            channel.connect(address);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return channel;
    }

    /** Runs the docker command line against the daemon directly. */
    public Result docker(Duration timeout, String... args) {
        return dockerVia(dockerHost, timeout, null, args);
    }

    /**
     * Runs the real docker command line with {@code DOCKER_HOST} set to {@code host} (e.g. a tunnel) and every
     * other {@code DOCKER_*} variable removed.
     */
    public Result dockerVia(String host, Duration timeout, Path workDir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(dockerCli);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("DOCKER_"));
        pb.environment().put("DOCKER_HOST", host);
        pb.environment().put("DOCKER_BUILDKIT", "0"); // the test daemon has no BuildKit; use the classic builder
        pb.environment().put("DOCKER_CONFIG", configDir().toString());
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        return run(pb, timeout, String.join(" ", args));
    }

    /** A process builder for the docker command line against the daemon directly (for bridges). */
    public ProcessBuilder processBuilder(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(dockerCli);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("DOCKER_"));
        pb.environment().put("DOCKER_HOST", dockerHost);
        pb.environment().put("DOCKER_CONFIG", configDir().toString());
        return pb;
    }

    static Result run(ProcessBuilder pb, Duration timeout, String what) {
        Process p;
        try {
            p = pb.redirectInput(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + pb.command().get(0), e);
        }
        try {
            p.getOutputStream().close();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("'docker " + what + "' did not finish within " + timeout + "; stderr: "
                        + err.getNow("?"));
            }
            return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new AssertionError("interrupted", e);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new AssertionError("'docker " + what + "' failed: " + e, e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                in.transferTo(bytes);
                result.complete(bytes.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.complete("(read failed: " + e + ")");
            }
        }, "docker-cli-output");
        t.setDaemon(true);
        t.start();
        return result;
    }

    /** What a docker command printed and returned. */
    public record Result(int exitCode, String stdout, String stderr) {
        public Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("docker exited " + exitCode + "; stderr: " + stderr + "; stdout: " + stdout);
            }
            return this;
        }
    }

    private void pingDirect() throws IOException {
        try (SocketChannel channel = connect()) {
            channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(4096);
            StringBuilder answer = new StringBuilder();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline && channel.read(buf) >= 0) {
                buf.flip();
                answer.append(StandardCharsets.US_ASCII.decode(buf));
                buf.clear();
            }
            if (!answer.toString().startsWith("HTTP/1.0 200") && !answer.toString().startsWith("HTTP/1.1 200")) {
                throw new IOException("unexpected answer to GET /_ping: " + answer);
            }
        }
    }

    private static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        Path env = stateEnvFile();
        if (Files.isRegularFile(env)) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(env)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + env, e);
            }
            p.forEach((k, v) -> settings.put(k.toString(), v.toString()));
        }
        for (String name : List.of("KPE_TEST_DOCKER_HOST", "KPE_TEST_IMAGE")) {
            String value = System.getenv(name);
            if (value != null && !value.isBlank()) {
                settings.put(name, value);
            }
        }
        return settings;
    }

    static Path stateEnvFile() {
        String dir = System.getenv("KPE_DOCKER_DIR");
        if (dir == null || dir.isBlank()) {
            String tmp = System.getenv("TMPDIR");
            dir = (tmp == null || tmp.isBlank() ? "/tmp" : tmp) + "/kpe-docker";
        }
        return Path.of(dir, "env");
    }

    private static Path configDir() {
        try {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "kpe-test-docker-config");
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SocketAddress parse(String host) {
        if (host.startsWith("unix://")) {
            return UnixDomainSocketAddress.of(host.substring("unix://".length()));
        }
        if (host.startsWith("tcp://")) {
            String hostPort = host.substring("tcp://".length());
            int colon = hostPort.lastIndexOf(':');
            return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        }
        throw new AssertionError("KPE_TEST_DOCKER_HOST must be unix:// or tcp://, not " + host);
    }

    private static String findDockerCli() {
        String configured = System.getenv("KPE_DOCKER_CLI");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin").split(":")) {
            Path candidate = Path.of(dir, "docker");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError("no docker command line on PATH; install one (Debian: docker.io) or set"
                + " KPE_DOCKER_CLI");
    }
}
