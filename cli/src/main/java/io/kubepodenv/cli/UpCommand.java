package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.DockerServerCheck;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.ReadyEnvironment;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "up", mixinStandardHelpOptions = true,
    description = {
        "Provision the environment of KEY, or reuse it, and wait until its Docker server answers.",
        "",
        "The template is rendered and validated before anything is sent to the cluster. An environment of KEY "
            + "whose template is unchanged is reused as it is; one whose template changed is replaced (the data on "
            + "its volume is discarded). A new environment that does not become ready within --ready-timeout is "
            + "deleted again (unless --keep-on-failure), and the error says why it was not ready.",
        "",
        "Progress goes to standard error; the result to standard output."})
final class UpCommand implements Callable<Integer> {
    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Parameters(index = "0", paramLabel = "KEY",
        description = "The environment key: any text naming what the environment belongs to, e.g. 'myapp-pr-42'.")
    private String key;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
        description = "Result format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private OutputFormat output;

    @Option(names = {"-q", "--quiet"}, description = "Print no progress lines.")
    private boolean quiet;

    @Override
    public Integer call() {
        EnvironmentKey environmentKey = EnvironmentKey.of(key);
        Options options = engineOptions.toOptions();
        PrintWriter out = spec.commandLine().getOut();
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options,
            DockerServerCheck.throughTunnel(kpe.tunnelOptions()))) {
            ReadyEnvironment ready = engine
                .up(environmentKey, new Terminal(spec.commandLine().getErr(), quiet));
            if (output == OutputFormat.json) {
                Map<String, Object> json = new LinkedHashMap<>(Json.environment(ready.environment(), Clock.systemUTC()));
                json.put("pod", ready.pod());
                json.put("reused", ready.reused());
                json.put("elapsedMillis", ready.elapsed().toMillis());
                out.println(Json.write(json));
            } else {
                out.println("environment " + ready.environment().id() + " of '" + key + "' is ready in namespace "
                    + options.namespace() + (ready.reused() ? " (reused)" : "") + " after "
                    + Durations.format(ready.elapsed()));
                out.println("use it with:  kpe exec '" + key + "' -- docker info");
            }
            out.flush();
        }
        return Kpe.EXIT_OK;
    }
}
