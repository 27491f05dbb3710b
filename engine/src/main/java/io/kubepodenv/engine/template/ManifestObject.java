package io.kubepodenv.engine.template;

import java.util.Map;

/**
 * One object of a rendered template, as plain YAML data.
 *
 * @param document the 1-based position of its document in the rendered template
 * @param line the 1-based line of the rendered text where its document starts
 * @param content the object: maps, lists, strings, numbers, booleans
 */
public record ManifestObject(int document, int line, Map<String, Object> content) {

    public String apiVersion() {
        return (String) content.get("apiVersion");
    }

    public String kind() {
        return (String) content.get("kind");
    }

    public String name() {
        return (String) metadata().get("name");
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> metadata() {
        return (Map<String, Object>) content.get("metadata");
    }

    /** "StatefulSet abc (document 3)": how errors and progress lines name it. */
    public String describe() {
        return kind() + " " + name() + " (document " + document + ")";
    }
}
