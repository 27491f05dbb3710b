package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ProgressListener;
import io.kubepodenv.engine.tunnel.DockerTunnel;
import io.kubepodenv.engine.tunnel.EnvironmentTunnels;
import io.kubepodenv.engine.tunnel.StatefulSetPodLocator;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "exec", mixinStandardHelpOptions = true,
    description = {
        "Run a local command with DOCKER_HOST pointing at the environment of KEY.",
        "",
        "Opens a tunnel on 127.0.0.1 to the environment's Docker server, checks that it answers, runs COMMAND with "
            + "DOCKER_HOST=tcp://127.0.0.1:<port>, and closes the tunnel when COMMAND ends. Every other DOCKER_* "
            + "variable (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_CONTEXT, ...) is removed from COMMAND's "
            + "environment: the tunnel speaks plain TCP. An environment whose template serves Docker over TLS (a port "
            + "named docker-tls) needs --tls-cert-dir; COMMAND then gets DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH.",
        "",
        "A sleeping environment is woken first (see 'kpe wake').",
        "",
        "Exit code: COMMAND's own; 1 when the environment cannot be reached; 127 when COMMAND cannot be started.",
        "",
        "With --sync, DIR (default: the current directory) is first mirrored into the Docker host at the same "
            + "absolute path, as 'kpe sync' does, so that bind mounts of its files work; --back copies paths from the "
            + "mirror back into DIR after COMMAND, also when it failed.",
        "",
        "Example:  kpe exec myapp-pr-42 -- docker compose up -d",
        "          kpe exec --sync --back reports myapp-pr-42 -- docker compose run tests"})
final class ExecCommand implements Callable<Integer> {
    static final int EXIT_CANNOT_RUN = 127;

    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Mixin
    private SyncOptionsMixin syncOptions;

    @Option(names = "--sync", arity = "0..1", paramLabel = "DIR", parameterConsumer = SyncDirConsumer.class,
        description = "Mirror DIR (default: the current directory) into the Docker host first. DIR is taken when it "
            + "is an existing directory followed by KEY; --sync=DIR always takes it.")
    private java.nio.file.Path syncDir;

    @Parameters(index = "0", paramLabel = "KEY", description = "The environment key given to 'up'.")
    private String key;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND",
        description = "The command and its arguments; put '--' before it so that its options stay its own.")
    private List<String> command;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
        description = "Local port of the tunnel (default: one the system chooses).")
    private int port;

    @Option(names = "--ping-timeout", paramLabel = "DURATION", defaultValue = "60s",
        description = "How long to wait for the Docker server to answer through the tunnel (default: "
            + "${DEFAULT-VALUE}).")
    private String pingTimeout;

    @Option(names = {"-q", "--quiet"}, description = "Print no progress lines.")
    private boolean quiet;

    @Option(names = "--tls-cert-dir", paramLabel = "DIR",
        description = "For a Docker server that requires TLS: a directory with ca.pem, cert.pem and key.pem (the "
            + "client's certificate), given to COMMAND as DOCKER_CERT_PATH. The server's certificate must name "
            + "127.0.0.1, where the tunnel listens.")
    private java.nio.file.Path tlsCertDir;

    /** The directory --sync names, or null without --sync. */
    java.nio.file.Path syncDir() {
        return syncDir;
    }

    @Override
    public Integer call() {
        Options options = engineOptions.toOptions();
        Duration ping = Durations.parse("ping timeout", pingTimeout);
        Terminal terminal = new Terminal(spec.commandLine().getErr(), quiet);
        if (syncDir == null && !syncOptions.back.isEmpty()) {
            throw new io.kubepodenv.engine.InvalidInputException("--back copies from the mirror that --sync makes; "
                + "add --sync");
        }
        if (syncDir != null) {
            syncOptions.toOptions();
        }
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options)) {
            Environment environment = find(engine, key, options, terminal);
            java.nio.file.Path certs = tlsCertificates(environment, tlsCertDir);
            io.kubepodenv.engine.sync.WorkspaceSync sync = null;
            if (syncDir != null) {
                try {
                    sync = syncOptions.sync(client, environment, locator(client, environment).readyPod());
                    terminal.progress(sync.push(syncDir).describe());
                } catch (io.kubepodenv.engine.InvalidInputException e) {
                    throw e;
                } catch (KubePodEnvException e) {
                    throw failed(e);
                }
            }
            int code;
            try (DockerTunnel tunnel = openTunnel(client, environment, kpe.tunnelOptions(), port, ping, terminal)) {
                terminal.progress("DOCKER_HOST=" + tunnel.dockerHost() + " (environment " + environment.id()
                    + (certs == null ? ")" : ", TLS)"));
                code = run(command, tunnel.dockerHost(), certs);
            } finally {
                if (sync != null && !syncOptions.back.isEmpty()) {
                    try {
                        terminal.progress(sync.pull(syncDir, syncOptions.back).describe());
                    } catch (KubePodEnvException e) {
                        terminal.warning("copying back failed: " + e.getMessage());
                    }
                }
            }
            return code;
        }
    }

    /**
     * {@code --sync [DIR]}: the next argument is DIR when it is an existing directory and is not directly followed
     * by '--' (then it is KEY); otherwise the current directory.
     */
    static final class SyncDirConsumer implements picocli.CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(java.util.Stack<String> args, picocli.CommandLine.Model.ArgSpec argSpec,
            CommandSpec commandSpec) {
            String value = ".";
            if (args.size() >= 2) {
                String next = args.peek();
                String after = args.get(args.size() - 2);
                if (!next.startsWith("-") && !after.equals("--")
                    && java.nio.file.Files.isDirectory(java.nio.file.Path.of(next))) {
                    value = args.pop();
                }
            }
            argSpec.setValue(java.nio.file.Path.of(value));
        }
    }

    /** The environment of {@code key}, woken first if it sleeps, or an error that says how to create it. */
    static Environment find(KubePodEnv engine, String key, Options options, ProgressListener listener) {
        Environment found = engine.find(EnvironmentKey.of(key)).orElseThrow(() -> new EnvironmentFailedException(
            "no environment of '" + key + "' in namespace " + options.namespace() + "; create it with: kpe up '"
                + key + "'"));
        return found.activity().asleep() ? engine.wake(EnvironmentKey.of(key), listener).environment() : found;
    }

    static StatefulSetPodLocator locator(KubernetesClient client, Environment environment) {
        return new StatefulSetPodLocator(client, environment.namespace(), environment.dockerHost());
    }

    static DockerTunnel openTunnel(KubernetesClient client, Environment environment, TunnelOptions base, int port,
            Duration ping, Terminal terminal) {
        TunnelOptions tunnelOptions = base.withPort(port).withTimeouts(base.connectTimeout(), ping)
            .withListener(terminal);
        try {
            return EnvironmentTunnels.open(client, environment, tunnelOptions);
        } catch (KubePodEnvException e) {
            throw failed(e);
        }
    }

    /** Engine errors other than the two the top command maps are still "the environment failed" for the user. */
    static EnvironmentFailedException failed(KubePodEnvException e) {
        return e instanceof EnvironmentFailedException f ? f : new EnvironmentFailedException(e.getMessage(), e);
    }

    /** The command's environment: ours without any DOCKER_* variable, plus DOCKER_HOST. */
    static Map<String, String> childEnvironment(Map<String, String> parent, String dockerHost) {
        return childEnvironment(parent, dockerHost, null);
    }

    /** As above, plus DOCKER_TLS_VERIFY and DOCKER_CERT_PATH when {@code tlsCertDir} is given. */
    static Map<String, String> childEnvironment(Map<String, String> parent, String dockerHost,
        java.nio.file.Path tlsCertDir) {
        Map<String, String> env = new java.util.HashMap<>(parent);
        env.keySet().removeIf(name -> name.startsWith("DOCKER_"));
        env.put("DOCKER_HOST", dockerHost);
        if (tlsCertDir != null) {
            env.put("DOCKER_TLS_VERIFY", "1");
            env.put("DOCKER_CERT_PATH", tlsCertDir.toAbsolutePath().toString());
        }
        return env;
    }

    /**
     * The client certificates for {@code environment}: required, and checked, when its Docker server requires TLS;
     * refused when it does not (they would make the client speak TLS to a plain server).
     */
    static java.nio.file.Path tlsCertificates(Environment environment, java.nio.file.Path dir) {
        if (!environment.docker().tls()) {
            if (dir != null) {
                throw new io.kubepodenv.engine.InvalidInputException("--tls-cert-dir: the Docker server of '"
                    + environment.key() + "' speaks plain TCP on port " + environment.docker().port()
                    + "; leave the option out");
            }
            return null;
        }
        if (dir == null) {
            throw new io.kubepodenv.engine.InvalidInputException("the Docker server of '" + environment.key()
                + "' requires TLS (port " + environment.docker().port() + "); give --tls-cert-dir DIR with ca.pem, "
                + "cert.pem and key.pem");
        }
        for (String file : List.of("ca.pem", "cert.pem", "key.pem")) {
            if (!java.nio.file.Files.isRegularFile(dir.resolve(file))) {
                throw new io.kubepodenv.engine.InvalidInputException("--tls-cert-dir: no " + file + " in " + dir);
            }
        }
        return dir;
    }

    private int run(List<String> cmd, String dockerHost, java.nio.file.Path tlsCertDir) {
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        Map<String, String> childEnvironment = childEnvironment(pb.environment(), dockerHost, tlsCertDir);
        pb.environment().clear();
        pb.environment().putAll(childEnvironment);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            spec.commandLine().getErr().println("kpe: cannot run '" + cmd.get(0) + "': " + e.getMessage());
            spec.commandLine().getErr().flush();
            return EXIT_CANNOT_RUN;
        }
        // The command gets Ctrl-C from the terminal itself; if kpe is stopped, don't leave it running alone.
        Thread stopChild = new Thread(process::destroy, "kpe-exec-stop-child");
        Runtime.getRuntime().addShutdownHook(stopChild);
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
            return Kpe.EXIT_FAILED;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopChild);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }
}
