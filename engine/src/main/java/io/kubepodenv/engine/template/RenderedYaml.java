package io.kubepodenv.engine.template;

import io.kubepodenv.engine.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/** Parses the YAML a template rendered into objects, with errors that point at the rendered line. */
final class RenderedYaml {
    private RenderedYaml() {
    }

    @SuppressWarnings("unchecked")
    static List<ManifestObject> parse(String origin, String text) {
        LoadSettings settings = LoadSettings.builder()
            .setAllowDuplicateKeys(false)
            .setMaxAliasesForCollections(20)
            .setCodePointLimit((int) TemplateRenderer.MAX_OUTPUT_CHARS + 1)
            .setLabel(origin)
            .build();
        List<Integer> starts = documentStarts(text);
        List<ManifestObject> objects = new ArrayList<>();
        int document = 0;
        try {
            for (Object doc : new Load(settings).loadAllFromString(text)) {
                document++;
                int line = document <= starts.size() ? starts.get(document - 1) : 1;
                if (doc == null) {
                    continue;
                }
                if (!(doc instanceof Map<?, ?> map) || !map.keySet().stream().allMatch(String.class::isInstance)) {
                    throw new InvalidInputException("template (" + origin + "): rendered document " + document
                        + " (line " + line + ") is not a mapping of a Kubernetes object");
                }
                objects.add(new ManifestObject(document, line, (Map<String, Object>) map));
            }
        } catch (MarkedYamlEngineException e) {
            throw new InvalidInputException("template (" + origin + "): the rendered text is not valid YAML: "
                + describe(e, text) + " (check the output with 'kpe render')");
        } catch (YamlEngineException e) {
            throw new InvalidInputException("template (" + origin + "): the rendered text is not valid YAML: "
                + e.getMessage());
        }
        return objects;
    }

    /** The 1-based line where each YAML document starts: after a {@code ---} marker, or at line 1. */
    private static List<Integer> documentStarts(String text) {
        List<Integer> starts = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int segmentStart = 1;
        boolean firstSegment = true;
        boolean hasContent = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.equals("---") || line.startsWith("--- ") || line.startsWith("---\t")) {
                if (!firstSegment || hasContent) {
                    starts.add(segmentStart);
                }
                firstSegment = false;
                segmentStart = i + 2;
                hasContent = false;
            } else if (!line.isBlank() && !line.stripLeading().startsWith("#")) {
                hasContent = true;
            }
        }
        if (!firstSegment || hasContent) {
            starts.add(segmentStart);
        }
        return starts;
    }

    private static String describe(MarkedYamlEngineException e, String text) {
        Mark mark = e.getProblemMark().orElse(e.getContextMark().orElse(null));
        String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
        if (mark == null) {
            return problem;
        }
        int line = mark.getLine() + 1;
        String[] lines = text.split("\n", -1);
        String shown = line - 1 < lines.length ? lines[line - 1].strip() : "";
        return problem + " at rendered line " + line + ", column " + (mark.getColumn() + 1)
            + (shown.isEmpty() ? "" : ": '" + (shown.length() > 80 ? shown.substring(0, 80) + "..." : shown) + "'");
    }
}
