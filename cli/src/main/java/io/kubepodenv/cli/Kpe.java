package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentFailedException;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.cluster.KubeClients;
import io.kubepodenv.engine.tunnel.TunnelOptions;
import java.io.PrintWriter;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kpe}: a Docker host on Kubernetes per environment key, from the command line. */
@Command(name = "kpe",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
        "Provision, use and delete Docker hosts on Kubernetes: one StatefulSet running a Docker server per "
            + "environment key, rendered from a template, reached through a port-forward.",
        "",
        "Exit codes: 0 done, 1 failed (the cluster refused, or the environment did not become ready), "
            + "2 bad input (nothing was sent to the cluster)."},
    subcommands = {UpCommand.class, DownCommand.class, SleepCommand.class, WakeCommand.class, LsCommand.class,
        RenderCommand.class, GcCommand.class, ExecCommand.class, ShellCommand.class, CpCommand.class,
        SyncCommand.class, CommandLine.HelpCommand.class})
public final class Kpe {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_BAD_INPUT = 2;

    private final Function<Options, KubernetesClient> clients;

    public Kpe() {
        this(KubeClients::create);
    }

    /** For tests: {@code clients} builds the Kubernetes client from the parsed options. */
    public Kpe(Function<Options, KubernetesClient> clients) {
        this.clients = clients;
    }

    KubernetesClient client(Options options) {
        return clients.apply(options);
    }

    /** The tunnel options every tunnel kpe opens starts from (exec's, up's Docker check). */
    TunnelOptions tunnelOptions() {
        return TunnelOptions.defaults();
    }

    public static void main(String[] args) {
        // The JDK HTTP client reads websocket data 16 KiB at a time by default; larger reads raised the throughput of
        // its websockets by about 40 % (measured when the tunnel still used them; exec and cp do). It must be set
        // before the client is first used.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", "131072");
        }
        System.exit(commandLine(new Kpe()).execute(args));
    }

    /** The configured command line: exit codes and error printing as documented. */
    public static CommandLine commandLine(Kpe kpe) {
        CommandLine cmd = new CommandLine(kpe);
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof InvalidInputException) {
                err.println("kpe: " + e.getMessage());
                return EXIT_BAD_INPUT;
            }
            if (e instanceof EnvironmentFailedException) {
                err.println("kpe: " + e.getMessage());
                if (io.kubepodenv.engine.cluster.ClusterErrors.refusedCredentials(e)) {
                    err.println("kpe: check the user of the kubeconfig in use (--kubeconfig and --context, else "
                        + "KUBECONFIG or ~/.kube/config): its token or certificate is not accepted by this cluster");
                }
                return EXIT_FAILED;
            }
            err.println("kpe: unexpected error: " + e);
            return EXIT_FAILED;
        });
        // "kpe sync --help" with no command sync: picocli would print the top-level help and exit 0, which hides
        // the typo (or the older kpe). An unknown command is bad input whatever follows it.
        CommandLine.IExecutionStrategy run = cmd.getExecutionStrategy();
        cmd.setExecutionStrategy(parseResult -> {
            if (!parseResult.unmatched().isEmpty()) {
                CommandLine.ParseResult last = parseResult;
                while (last.subcommand() != null) {
                    last = last.subcommand();
                }
                throw new CommandLine.UnmatchedArgumentException(last.commandSpec().commandLine(),
                    last.unmatched());
            }
            return run.execute(parseResult);
        });
        cmd.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("kpe: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_BAD_INPUT;
        });
        return cmd;
    }
}
