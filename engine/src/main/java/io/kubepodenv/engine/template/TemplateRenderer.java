package io.kubepodenv.engine.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaNodePreProcessor;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.features.BuiltInFeatures;
import com.hubspot.jinjava.features.FeatureConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.random.RandomNumberGeneratorStrategy;
import io.kubepodenv.engine.InvalidInputException;
import io.kubepodenv.engine.TemplateSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Renders environment templates with Jinja (jinjava), sandboxed and strict.
 *
 * <ul>
 *   <li>An undefined variable is an error naming the variable and the template line, whether it is printed or only
 *       tested ({@code {% if x == 'a' %}}); {@code storageClass} is the one argument that may be absent (it is when
 *       the cluster's default class is wanted), so that {@code {% if storageClass %}} works as in Preevy
 *       templates.</li>
 *   <li>No file can be read: {@code include}, {@code import}, {@code from} and {@code extends} are disabled.</li>
 *   <li>No nested interpretation: a value containing <code>{{</code> is printed as it is, never rendered again.</li>
 *   <li>Output, string, list and map sizes, loop ranges and render depth are limited; a render that takes longer
 *       than the time limit is abandoned.</li>
 *   <li>Rendering is reproducible: {@code random} always picks the first element and the clock is frozen, so the
 *       same template and arguments always give the same text (and the same template hash).</li>
 * </ul>
 */
public final class TemplateRenderer {
    public static final long MAX_OUTPUT_CHARS = 1_000_000;
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(5);
    private static final Set<String> OPTIONAL_ARGUMENTS = Set.of("storageClass");
    private static final Set<String> DISABLED_TAGS = Set.of("include", "import", "from", "extends");

    private final Jinjava jinjava;
    private final Duration timeLimit;

    public TemplateRenderer() {
        this(DEFAULT_TIME_LIMIT);
    }

    public TemplateRenderer(Duration timeLimit) {
        this.timeLimit = timeLimit;
        JinjavaConfig config = JinjavaConfig.newBuilder()
            // Unknown tokens are reported by the feature below, as errors we can filter: failing on them would also
            // abort on {% if storageClass %}, the one optional argument.
            .withFailOnUnknownTokens(false)
            .withNestedInterpretationEnabled(false)
            .withMaxOutputSize(MAX_OUTPUT_CHARS)
            .withMaxStringLength(MAX_OUTPUT_CHARS)
            .withMaxListSize(10_000)
            .withMaxMapSize(10_000)
            .withRangeLimit(1_000)
            .withMaxRenderDepth(10)
            .withEnableRecursiveMacroCalls(false)
            // Checks the thread's interrupt flag before each node: without it a render that timed out keeps running
            // (and burning a CPU) after the worker is shut down, since jinjava's loops never look at the flag.
            .withNodePreProcessor(new JinjavaNodePreProcessor())
            .withRandomNumberGeneratorStrategy(RandomNumberGeneratorStrategy.CONSTANT_ZERO)
            .withDateTimeProvider(() -> 0L)
            .withDisabled(Map.of(Context.Library.TAG, DISABLED_TAGS))
            .withLegacyOverrides(LegacyOverrides.newBuilder().withIterateOverMapKeys(true).build())
            .withFeatureConfig(FeatureConfig.newBuilder()
                .add(BuiltInFeatures.OUTPUT_UNDEFINED_VARIABLES_ERROR, context -> true)
                .build())
            .build();
        this.jinjava = new Jinjava(config);
        this.jinjava.setResourceLocator((name, encoding, interpreter) -> {
            throw new IOException("templates cannot read files (" + name + ")");
        });
        this.jinjava.getGlobalContext().registerTag(new KeyValueForTag());
    }

    /**
     * Renders {@code template} with {@code arguments}.
     *
     * @throws InvalidInputException on any template error, naming the line and what is wrong
     */
    public String render(TemplateSource template, TemplateArguments arguments) {
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kube-pod-env-template-render");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<RenderResult> result = worker.submit(() -> jinjava.renderForResult(template.text(),
                arguments.bindings()));
            return check(template, result.get(timeLimit.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            throw new InvalidInputException("template (" + template.origin() + "): rendering took longer than "
                + timeLimit.toSeconds() + " s; look for a loop that never ends or grows without bound");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new InvalidInputException("template (" + template.origin() + "): " + describe(cause), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidInputException("template (" + template.origin() + "): rendering was interrupted");
        } finally {
            worker.shutdownNow();
        }
    }

    private static String check(TemplateSource template, RenderResult result) {
        List<String> problems = new ArrayList<>();
        for (TemplateError error : result.getErrors()) {
            if (isAbsentOptionalArgument(error)) {
                continue;
            }
            problems.add((error.getLineno() > 0 ? "line " + error.getLineno() + ": " : "") + error.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException("template (" + template.origin() + "): "
                + String.join("; ", problems.stream().distinct().limit(10).toList()));
        }
        return result.getOutput();
    }

    /**
     * The errors jinjava reports for {@code storageClass} when it is absent: it is the one optional argument, tested
     * with {@code {% if storageClass %}} (and printed as nothing, which YAML reads as null: the default class).
     */
    private static boolean isAbsentOptionalArgument(TemplateError error) {
        String message = error.getMessage() == null ? "" : error.getMessage();
        return OPTIONAL_ARGUMENTS.stream().anyMatch(a -> message.equals("Undefined variable: '" + a + "'"));
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
