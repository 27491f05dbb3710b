package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.EnvironmentRow;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "ls", mixinStandardHelpOptions = true,
    description = {"List the environments of the namespace: key, id, age, state, time since last use, owner. Two "
        + "API calls.",
        "",
        "STATE is 'ready', 'sleeping' (no pod; its claim and data are kept; the next up wakes it), 'not ready' (its "
            + "Docker server's pod is not ready), or 'incomplete': an up that was killed before it applied every "
            + "object (kpe down or kpe gc deletes it; the next up of its key replaces it).",
        "",
        "Last use is the last 'up' (a build, 'kpe up', 'kpe exec', 'kpe wake'); '?' for environments made before it "
            + "was recorded."})
final class LsCommand implements Callable<Integer> {
    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
        description = "Result format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private OutputFormat output;

    @Override
    public Integer call() {
        Options options = engineOptions.toOptions();
        PrintWriter out = spec.commandLine().getOut();
        Clock clock = Clock.systemUTC();
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options)) {
            List<Environment> environments = engine.list();
            if (output == OutputFormat.json) {
                out.println(Json.write(environments.stream().map(e -> Json.environment(e, clock)).toList()));
            } else if (environments.isEmpty()) {
                out.println("no environments in namespace " + options.namespace());
            } else {
                List<String[]> rows = new ArrayList<>();
                rows.add(EnvironmentRow.HEADINGS);
                Instant now = Instant.now(clock);
                for (Environment e : environments) {
                    rows.add(EnvironmentRow.of(e, now).columns());
                }
                printTable(out, rows);
            }
            out.flush();
        }
        return Kpe.EXIT_OK;
    }

    private static void printTable(PrintWriter out, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.println(line);
        }
    }
}
