package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
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

@Command(name = "wake", mixinStandardHelpOptions = true,
    description = {
        "Wake the environment of KEY if it sleeps, and wait until its Docker server answers, as 'kpe up' does for an "
            + "existing environment; the use is recorded.",
        "",
        "Unlike 'kpe up', it never creates or replaces an environment: it fails (exit 1) when there is none of KEY. "
            + "Waking an awake environment only waits for it to be ready.",
        "",
        "Progress goes to standard error; the result to standard output."})
final class WakeCommand implements Callable<Integer> {
    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Parameters(index = "0", paramLabel = "KEY", description = "The environment key given to 'up'.")
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
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options)) {
            ReadyEnvironment ready = engine.wake(environmentKey, new Terminal(spec.commandLine().getErr(), quiet));
            if (output == OutputFormat.json) {
                Map<String, Object> json =
                    new LinkedHashMap<>(Json.environment(ready.environment(), Clock.systemUTC()));
                json.put("pod", ready.pod());
                json.put("elapsedMillis", ready.elapsed().toMillis());
                out.println(Json.write(json));
            } else {
                out.println("environment " + ready.environment().id() + " of '" + key + "' is ready in namespace "
                    + options.namespace() + " after " + Durations.format(ready.elapsed()));
            }
            out.flush();
        }
        return Kpe.EXIT_OK;
    }
}
