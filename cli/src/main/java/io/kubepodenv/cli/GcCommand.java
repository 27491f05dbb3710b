package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.lifecycle.CollectionPolicy;
import io.kubepodenv.engine.lifecycle.GarbageCollector;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "gc", mixinStandardHelpOptions = true,
    description = {
        "Delete dead environments of the namespace: those whose key is not among the keys still alive, and/or those "
            + "older than a maximum age. What CI systems other than Jenkins run periodically.",
        "",
        "At least one criterion is required. Only environments of one owner are considered (default: those made by "
            + "kpe itself, so that a Jenkins controller's environments are left to it); --all-owners considers all.",
        "Environments whose up was killed half-way (incomplete) are found and deleted like the others; locks whose "
            + "holder was killed (expired) are deleted too.",
        "Two list calls find the environments, then one list call per kind finds all their objects."})
final class GcCommand implements Callable<Integer> {
    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Option(names = "--max-age", paramLabel = "DURATION",
        description = "Delete environments older than this, e.g. 72h or 7d.")
    private String maxAge;

    @Option(names = "--alive", paramLabel = "KEY", split = ",",
        description = "A key still alive (repeatable, or comma-separated). Environments of other keys are deleted.")
    private List<String> alive;

    @Option(names = "--alive-file", paramLabel = "FILE",
        description = "A file with the keys still alive, one per line. An empty file means no key is alive.")
    private Path aliveFile;

    @Option(names = "--owner", paramLabel = "OWNER", defaultValue = "kpe",
        description = "Consider only environments of this owner (default: ${DEFAULT-VALUE}).")
    private String owner;

    @Option(names = "--all-owners", description = "Consider every environment, whoever made it.")
    private boolean allOwners;

    @Option(names = "--dry-run", description = "Say what would be deleted, delete nothing.")
    private boolean dryRun;

    @Option(names = "--wait", description = "Wait until everything deleted is gone (bounded by --delete-timeout).")
    private boolean wait;

    @Override
    public Integer call() {
        Options options = engineOptions.toOptions();
        Optional<Set<EnvironmentKey>> liveKeys = liveKeys();
        Optional<Duration> age = maxAge == null ? Optional.empty()
            : Optional.of(Durations.parse("max age", maxAge));
        CollectionPolicy policy = new CollectionPolicy(allOwners ? Optional.empty() : Optional.of(owner), liveKeys,
            age);
        PrintWriter out = spec.commandLine().getOut();
        try (KubernetesClient client = kpe.client(options)) {
            GarbageCollector.Sweep sweep = new GarbageCollector(client, options.namespace(), Clock.systemUTC())
                .sweep(policy, dryRun, wait, options.deleteTimeout(), new Terminal(spec.commandLine().getErr(),
                    false));
            out.println((dryRun ? "would delete " : "deleted ") + sweep.collected().size() + " of "
                + sweep.examined() + " environments in namespace " + options.namespace());
            out.flush();
        }
        return Kpe.EXIT_OK;
    }

    private Optional<Set<EnvironmentKey>> liveKeys() {
        if (alive == null && aliveFile == null) {
            return Optional.empty();
        }
        Set<EnvironmentKey> keys = new LinkedHashSet<>();
        if (alive != null) {
            alive.forEach(k -> keys.add(EnvironmentKey.of(k)));
        }
        if (aliveFile != null) {
            try {
                for (String line : Files.readAllLines(aliveFile)) {
                    if (!line.isBlank()) {
                        keys.add(EnvironmentKey.of(line.strip()));
                    }
                }
            } catch (IOException e) {
                throw new InvalidInputException("alive file: cannot read " + aliveFile + ": " + e.getMessage());
            }
        }
        return Optional.of(keys);
    }
}
