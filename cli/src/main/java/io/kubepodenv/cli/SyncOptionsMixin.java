package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.exec.PodExec;
import io.kubepodenv.engine.sync.SyncOptions;
import io.kubepodenv.engine.sync.WorkspaceSync;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of the mirror, shared by 'sync' and 'exec --sync'. */
final class SyncOptionsMixin {
    static final String SIZE_LIMIT_OPTION = "--size-limit";

    @Option(names = "--exclude", paramLabel = "PATTERN",
        description = "Leave out paths matching PATTERN (.dockerignore syntax), after the patterns of DIR/.kpeignore;"
            + " repeatable. .git is always left out.")
    List<String> excludes = new ArrayList<>();

    @Option(names = SIZE_LIMIT_OPTION, paramLabel = "GIB", defaultValue = "2",
        description = "Refuse to mirror a tree whose files hold more than this many GiB (default: ${DEFAULT-VALUE}).")
    String sizeLimit;

    @Option(names = "--store", paramLabel = "PATH", defaultValue = SyncOptions.DEFAULT_STORE,
        description = "Directory in the pod's first container, on the environment's volume, that holds the mirrors "
            + "(default: ${DEFAULT-VALUE}, on the bundled template's volume).")
    String store;

    @Option(names = "--sync-timeout", paramLabel = "DURATION", defaultValue = "30m",
        description = "Bound on each step of the mirror (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--back", paramLabel = "PATH", split = ",",
        description = "Copy PATH (relative to DIR) from the mirror back into DIR; repeatable or comma-separated.")
    List<String> back = new ArrayList<>();

    SyncOptions toOptions() {
        long limit;
        try {
            BigDecimal gib = new BigDecimal(sizeLimit.strip());
            limit = gib.multiply(BigDecimal.valueOf(1L << 30)).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidInputException(SIZE_LIMIT_OPTION + ": '" + sizeLimit + "' is not a number of GiB");
        }
        back.forEach(WorkspaceSync::copyBackPath);
        return SyncOptions.defaults().withSizeLimit(limit).withExcludes(excludes).withStore(store)
            .withTimeout(Durations.parse("sync timeout", timeout));
    }

    WorkspaceSync sync(KubernetesClient client, Environment environment, String pod) {
        return new WorkspaceSync(new PodExec(client, environment.namespace()).commandsIn(pod), toOptions(),
            "kpe " + SIZE_LIMIT_OPTION);
    }
}
