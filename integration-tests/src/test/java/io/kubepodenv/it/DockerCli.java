package io.kubepodenv.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The docker command line, run against one {@code DOCKER_HOST} with a bounded run time. */
final class DockerCli {
    private final String dockerHost;

    DockerCli(String dockerHost) {
        this.dockerHost = dockerHost;
    }

    record Result(int exitCode, String stdout, String stderr) {
        String output() {
            return stdout.strip();
        }
    }

    static Path executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "docker");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("no docker command on PATH; testing/docker/start.sh installs docker.io");
    }

    /** Runs {@code docker args...}; fails the test unless it exits 0 within {@code timeout}. */
    Result ok(Duration timeout, String... args) {
        return succeeded(run(timeout, args), args);
    }

    Result run(Duration timeout, String... args) {
        return run(new ProcessBuilder(dockerCommand(args)), timeout, args);
    }

    /** Runs {@code docker args...} with {@code input} as its standard input; fails unless it exits 0 in time. */
    Result okWithInput(Path input, Duration timeout, String... args) {
        return succeeded(run(new ProcessBuilder(dockerCommand(args)).redirectInput(input.toFile()), timeout, args),
            args);
    }

    private List<String> dockerCommand(String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable().toString());
        command.addAll(List.of(args));
        return command;
    }

    private Result succeeded(Result r, String... args) {
        if (r.exitCode() != 0) {
            throw new AssertionError("docker " + String.join(" ", args) + " (DOCKER_HOST=" + dockerHost
                + ") exited " + r.exitCode() + ": " + r.stderr().strip() + " " + r.stdout().strip());
        }
        return r;
    }

    /** Runs {@code docker-compose args...} in {@code projectDir}; fails the test unless it exits 0 in time. */
    Result compose(Path projectDir, Duration timeout, String... args) {
        Path compose = null;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "docker-compose");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                compose = candidate;
                break;
            }
        }
        if (compose == null) {
            throw new AssertionError("no docker-compose command on PATH; testing/cluster/it.sh installs the "
                + "docker-compose package");
        }
        List<String> command = new ArrayList<>();
        command.add(compose.toString());
        command.addAll(List.of(args));
        Result r = run(new ProcessBuilder(command).directory(projectDir.toFile()), timeout, args);
        if (r.exitCode() != 0) {
            throw new AssertionError("docker-compose " + String.join(" ", args) + " exited " + r.exitCode() + ": "
                + r.stderr().strip() + " " + r.stdout().strip());
        }
        return r;
    }

    private Result run(ProcessBuilder pb, Duration timeout, String... args) {
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("DOCKER_"));
        env.put("DOCKER_HOST", dockerHost);
        try {
            Path out = Files.createTempFile("kpe-it-docker", ".out");
            Path err = Files.createTempFile("kpe-it-docker", ".err");
            try {
                boolean givenInput = pb.redirectInput().type() == ProcessBuilder.Redirect.Type.READ;
                pb.redirectOutput(out.toFile()).redirectError(err.toFile());
                if (!givenInput) {
                    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
                }
                Process p = pb.start();
                if (!givenInput) {
                    p.getOutputStream().close();
                }
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("docker " + String.join(" ", args) + " (DOCKER_HOST=" + dockerHost
                        + ") did not end within " + timeout.toSeconds() + " s; stderr: "
                        + Files.readString(err, StandardCharsets.UTF_8).strip());
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run docker " + String.join(" ", args) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running docker", e);
        }
    }
}
