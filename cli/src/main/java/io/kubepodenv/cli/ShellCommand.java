package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.exec.ExecSession;
import io.kubepodenv.engine.exec.PodExec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "shell", mixinStandardHelpOptions = true,
    description = {
        "Open a shell (or run COMMAND) in the first container of the environment's Docker server pod.",
        "",
        "On a terminal the session is interactive with a TTY (bash if the container has it, else sh); the "
            + "terminal is put in raw mode and restored afterwards. Without a terminal, or with --no-tty, COMMAND "
            + "runs with plain stdout and stderr. Exit code: the shell's or COMMAND's.",
        "",
        "Examples:  kpe shell myapp-pr-42",
        "           kpe shell myapp-pr-42 -- docker ps -a"})
final class ShellCommand implements Callable<Integer> {
    private static final List<String> DEFAULT_SHELL = List.of("sh", "-c",
        "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi");

    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Parameters(index = "0", paramLabel = "KEY", description = "The environment key given to 'up'.")
    private String key;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Command to run instead of a shell.")
    private List<String> command;

    @Option(names = {"-c", "--container"}, paramLabel = "NAME",
        description = "Container to use (default: the pod's first container).")
    private String container;

    @Option(names = "--no-tty", description = "Do not allocate a TTY even on a terminal.")
    private boolean noTty;

    @Override
    public Integer call() {
        Options options = engineOptions.toOptions();
        boolean tty = !noTty && System.console() != null;
        List<String> cmd = command == null || command.isEmpty() ? DEFAULT_SHELL : command;
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options)) {
            Environment environment = ExecCommand.find(engine, key, options,
                new Terminal(spec.commandLine().getErr(), false));
            String pod = ExecCommand.locator(client, environment).readyPod();
            PodExec exec = new PodExec(client, environment.namespace());
            OutputStream out = System.out;
            OutputStream err = System.err;
            if (!tty) {
                // without a terminal the command gets no input: the exec protocol could not tell it where input ends
                try (ExecSession session = exec.start(pod, container, cmd, null, out, err, false)) {
                    return session.awaitExit(Duration.ofDays(1));
                }
            }
            String saved = stty("-g").trim();
            try {
                stty("raw", "-echo");
                try (ExecSession session = exec.start(pod, container, cmd, System.in, out, null, true)) {
                    int[] size = terminalSize();
                    if (size != null) {
                        session.resize(size[1], size[0]);
                    }
                    return session.awaitExit(Duration.ofDays(1));
                }
            } finally {
                if (!saved.isEmpty()) {
                    stty(saved);
                }
            }
        } catch (KubePodEnvException e) {
            throw ExecCommand.failed(e);
        }
    }

    private static int[] terminalSize() {
        String[] parts = stty("size").trim().split("\\s+");
        if (parts.length != 2) {
            return null;
        }
        try {
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Runs stty on the controlling terminal; returns its output, empty when it fails. */
    private static String stty(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("stty"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (InputStream in = p.getInputStream()) {
                String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "";
            }
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
