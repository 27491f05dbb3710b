package io.kubepodenv.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.kubepodenv.engine.EnvironmentKey;
import io.kubepodenv.engine.KubePodEnv;
import io.kubepodenv.engine.Options;
import io.kubepodenv.engine.template.Manifest;
import io.kubepodenv.engine.template.ManifestObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "render", mixinStandardHelpOptions = true,
    description = {
        "Print the objects 'up' would apply for KEY, after validation, as YAML. Needs no cluster.",
        "",
        "The objects carry the labels and annotations 'up' stamps on them, except the creation time, which 'up' "
            + "sets when it applies them. With --id the output is reproducible. A template that breaks a rule "
            + "exits with code 2 and the reason."})
final class RenderCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private EngineOptions engineOptions;

    @Parameters(index = "0", paramLabel = "KEY", description = "The environment key to render for.")
    private String key;

    @Option(names = "--id", paramLabel = "ID",
        description = "Render with this instance id instead of a new random one.")
    private String id;

    @Override
    public Integer call() throws IOException {
        Options options = engineOptions.toOptions();
        Manifest manifest = KubePodEnv.render(options, EnvironmentKey.of(key), Optional.ofNullable(id));
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE));
        PrintWriter out = spec.commandLine().getOut();
        boolean first = true;
        for (ManifestObject object : manifest.objects()) {
            if (!first) {
                out.println("---");
            }
            first = false;
            out.print(yaml.writeValueAsString(object.content()));
        }
        out.flush();
        return Kpe.EXIT_OK;
    }
}
