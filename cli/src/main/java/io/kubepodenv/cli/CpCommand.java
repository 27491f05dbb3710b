package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Durations;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.exec.PodExec;
import io.kubepodenv.engine.exec.PodUpload;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "cp", mixinStandardHelpOptions = true,
    description = {
        "Copy a local file or directory into the first container of the environment's Docker server pod.",
        "",
        "DEST names the copy itself: 'kpe cp ./src KEY:/data/src' makes /data/src hold the contents of ./src; "
            + "'kpe cp a.txt KEY:/tmp/b.txt' writes /tmp/b.txt. Missing parent directories are created, existing "
            + "files are overwritten. Symbolic links are copied as links. The container needs sh, mkdir, head and "
            + "tar (busybox and docker:dind have them).",
        "",
        "Example:  kpe cp ./fixtures myapp-pr-42:/data/fixtures"})
final class CpCommand implements Callable<Integer> {
    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Parameters(index = "0", paramLabel = "SRC", description = "Local file or directory.")
    private Path source;

    @Parameters(index = "1", paramLabel = "KEY:DEST", description = "Environment key and absolute path in the pod.")
    private String target;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
        description = "Bound on the whole copy (default: ${DEFAULT-VALUE}).")
    private String timeout;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing on success.")
    private boolean quiet;

    @Override
    public Integer call() {
        int split = target.indexOf(":/");
        if (split <= 0) {
            throw new InvalidInputException("destination: '" + target + "' is not KEY:/absolute/path");
        }
        String key = target.substring(0, split);
        String dest = target.substring(split + 1);
        if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("source: no such file or directory: " + source);
        }
        Duration limit = Durations.parse("timeout", timeout);
        Options options = engineOptions.toOptions();
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options)) {
            Environment environment = ExecCommand.find(engine, key, options,
                new Terminal(spec.commandLine().getErr(), quiet));
            String pod = ExecCommand.locator(client, environment).readyPod();
            new PodUpload(new PodExec(client, environment.namespace())).upload(pod, source, dest, limit);
            if (!quiet) {
                PrintWriter out = spec.commandLine().getOut();
                out.println("copied " + source + " to " + dest + " in pod " + environment.namespace() + "/" + pod);
                out.flush();
            }
            return Kpe.EXIT_OK;
        } catch (KubePodEnvException e) {
            throw ExecCommand.failed(e);
        }
    }
}
