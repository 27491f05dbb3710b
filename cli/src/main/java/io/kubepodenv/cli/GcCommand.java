package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.IdleLimits;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.lifecycle.IdlePolicy;
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
        "Delete dead environments of the namespace: those whose key is not among the keys still alive, those older "
            + "than a maximum age, those unused for longer than a max idle time; and put to sleep those unused for "
            + "longer than --sleep-after. What CI systems other than Jenkins run periodically (e.g. --sleep-after 2h).",
        "",
        "At least one criterion is required. Without --max-idle, an environment's own max idle time (recorded by the "
            + "build that last used it, e.g. from Jenkins settings) applies; likewise its own sleep time without "
            + "--sleep-after, which then only takes effect for environments that recorded one. Sleeping keeps the "
            + "volume claim and its data; the next 'kpe up' wakes the environment. Each sleep takes the key's lock "
            + "and is skipped if the environment was used meanwhile.",
        "",
        "Only environments of one owner are considered (default: those made by kpe itself, so that a Jenkins "
            + "controller's environments are left to it); --all-owners considers all.",
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

    @Option(names = "--max-idle", paramLabel = "DURATION",
        description = "Delete environments not used (no 'up') for longer than this, e.g. 7d.")
    private String maxIdle;

    @Option(names = "--sleep-after", paramLabel = "DURATION",
        description = "Put to sleep environments not used for longer than this, e.g. 2h.")
    private String sleepAfter;

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
        IdleLimits limits = IdleLimits.parse(sleepAfter, maxIdle);
        IdlePolicy idle = new IdlePolicy(limits);
        Optional<String> owners = allOwners ? Optional.empty() : Optional.of(owner);
        boolean collect = liveKeys.isPresent() || age.isPresent() || limits.maxIdle().isPresent();
        if (!collect && limits.sleepAfter().isEmpty()) {
            throw new InvalidInputException("garbage collection needs a criterion: --alive/--alive-file, --max-age, "
                + "--max-idle or --sleep-after");
        }
        CollectionPolicy policy = collect ? new CollectionPolicy(owners, liveKeys, age, idle) : null;
        PrintWriter out = spec.commandLine().getOut();
        Terminal progress = new Terminal(spec.commandLine().getErr(), false);
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options)) {
            if (policy != null) {
                GarbageCollector.Sweep sweep = new GarbageCollector(client, options.namespace(), Clock.systemUTC())
                    .sweep(policy, dryRun, wait, options.deleteTimeout(), progress);
                out.println((dryRun ? "would delete " : "deleted ") + sweep.collected().size() + " of "
                    + sweep.examined() + " environments in namespace " + options.namespace());
                if (!sweep.spared().isEmpty()) {
                    out.println("left " + sweep.spared().size() + " condemned environments alone because a build was "
                        + "using them; the next gc decides again");
                }
            }
            if (limits.sleepAfter().isPresent()) {
                List<Environment> slept = engine.sleepIdle(idle, owners, dryRun, progress);
                out.println((dryRun ? "would put " : "put ") + slept.size() + " idle environments to sleep in "
                    + "namespace " + options.namespace());
            }
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
