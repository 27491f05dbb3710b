package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.EnvironmentNotFoundException;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.lifecycle.EnvironmentSleeper;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "sleep", mixinStandardHelpOptions = true,
    description = {
        "Put the environment of KEY to sleep: its Docker server's pod goes away (and with it its CPU and memory), "
            + "its volume claim and the Docker data on it stay.",
        "",
        "The next 'kpe up' or 'kpe wake' of KEY wakes it. Returns once the pod is gone (bounded by "
            + "--delete-timeout). Refused, with nothing changed, when the environment's StatefulSet would lose its "
            + "data by sleeping (no volume claim, or persistentVolumeClaimRetentionPolicy.whenScaled: Delete). "
            + "Fails (exit 1) when there is no environment of KEY."})
final class SleepCommand implements Callable<Integer> {
    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Parameters(index = "0", paramLabel = "KEY", description = "The environment key given to 'up'.")
    private String key;

    @Option(names = {"-q", "--quiet"}, description = "Print no progress lines.")
    private boolean quiet;

    @Override
    public Integer call() {
        EnvironmentKey environmentKey = EnvironmentKey.of(key);
        Options options = engineOptions.toOptions();
        PrintWriter out = spec.commandLine().getOut();
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options)) {
            EnvironmentSleeper.Outcome outcome = engine.sleep(environmentKey,
                new Terminal(spec.commandLine().getErr(), quiet));
            switch (outcome) {
                case NOT_FOUND -> throw new EnvironmentNotFoundException("no environment of '" + key
                    + "' in namespace " + options.namespace() + "; nothing to put to sleep");
                case ALREADY_ASLEEP -> out.println("the environment of '" + key + "' was asleep already");
                default -> out.println("the environment of '" + key + "' is asleep; 'kpe wake' or 'kpe up' wakes it");
            }
            out.flush();
        }
        return Kpe.EXIT_OK;
    }
}
