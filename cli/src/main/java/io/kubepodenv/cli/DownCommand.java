package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.cluster.EnvironmentDeleter;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "down", mixinStandardHelpOptions = true,
    description = {
        "Delete the environment of KEY: every object it created, its volume claims included.",
        "",
        "Deleting an environment that does not exist succeeds and says so. With --wait, returns once every object "
            + "and pod is gone, or fails after --delete-timeout naming what remains."})
final class DownCommand implements Callable<Integer> {
    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Parameters(index = "0", paramLabel = "KEY", description = "The environment key given to 'up'.")
    private String key;

    @Option(names = "--wait", description = "Wait until everything is gone (bounded by --delete-timeout).")
    private boolean wait;

    @Option(names = {"-q", "--quiet"}, description = "Print no progress lines.")
    private boolean quiet;

    @Override
    public Integer call() {
        EnvironmentKey environmentKey = EnvironmentKey.of(key);
        Options options = engineOptions.toOptions();
        PrintWriter out = spec.commandLine().getOut();
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options)) {
            EnvironmentDeleter.Result result = engine
                .down(environmentKey, wait, new Terminal(spec.commandLine().getErr(), quiet));
            out.println(result.deleted().isEmpty() ? "no environment of '" + key + "' in namespace "
                + options.namespace() + "; nothing deleted"
                : "deleted the environment of '" + key + "' (" + result.deleted().size() + " objects)");
            out.flush();
        }
        return Kpe.EXIT_OK;
    }
}
