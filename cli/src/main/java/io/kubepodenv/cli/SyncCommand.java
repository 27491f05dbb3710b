package io.kubepodenv.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubepodenv.engine.Environment;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.KubePodEnvException;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.sync.WorkspaceSync;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "sync", mixinStandardHelpOptions = true,
    description = {
        "Mirror DIR into the Docker host of KEY at the same absolute path, so that bind mounts name the same files "
            + "for the Docker server as here ('docker run -v \"$PWD/src:/src\"', './src:/app' in a compose file).",
        "",
        "The mirror lives on the environment's volume and survives a pod restart. A later sync sends only what was "
            + "added or changed and deletes what is gone; an unchanged tree costs one round trip. Symbolic links are "
            + "copied as links, modes kept. .git, the patterns of DIR/.kpeignore (.dockerignore syntax) and --exclude "
            + "are left out, and left alone in the mirror.",
        "",
        "With --back, nothing is sent: the given paths are copied from the mirror back into DIR (test reports that "
            + "containers wrote into bind-mounted folders).",
        "",
        "The first container of the template needs sh, find, stat, dd, head, xargs, rm, ln, readlink and tar "
            + "(busybox, docker:dind).",
        "",
        "Examples:  kpe sync myapp-pr-42",
        "           kpe sync --back reports,coverage myapp-pr-42"})
final class SyncCommand implements Callable<Integer> {
    @ParentCommand
    private Kpe kpe;

    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Mixin
    private SyncOptionsMixin syncOptions;

    @Parameters(index = "0", paramLabel = "KEY", description = "The environment key given to 'up'.")
    private String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR", defaultValue = ".",
        description = "The directory to mirror (default: the current directory).")
    private Path dir;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing on success.")
    private boolean quiet;

    @Override
    public Integer call() {
        Options options = engineOptions.toOptions();
        syncOptions.toOptions();
        Terminal terminal = new Terminal(spec.commandLine().getErr(), quiet);
        try (KubernetesClient client = kpe.client(options); KubePodEnv engine = new KubePodEnv(client, options)) {
            Environment environment = ExecCommand.find(engine, key, options, terminal);
            String pod = ExecCommand.locator(client, environment).readyPod();
            WorkspaceSync sync = syncOptions.sync(client, environment, pod);
            if (syncOptions.back.isEmpty()) {
                terminal.progress(sync.push(dir).describe());
            } else {
                terminal.progress(sync.pull(dir, syncOptions.back).describe());
            }
            return Kpe.EXIT_OK;
        } catch (io.kubepodenv.engine.InvalidInputException e) {
            throw e;
        } catch (KubePodEnvException e) {
            throw ExecCommand.failed(e);
        }
    }
}
