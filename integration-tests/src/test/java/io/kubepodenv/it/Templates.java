package io.kubepodenv.it;

import io.kubepodenv.engine.TemplateSource;

/** Variants of the bundled template, made by exact text edits that fail loudly if the template moved. */
final class Templates {
    private Templates() {
    }

    static TemplateSource bundled() {
        return TemplateSource.bundledDefault();
    }

    /** The bundled template with {@code from} (which must occur exactly once) replaced by {@code to}. */
    static TemplateSource replacing(String origin, String from, String to) {
        String text = bundled().text();
        int at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) {
            throw new AssertionError("the bundled template must contain '" + from + "' exactly once for this test;"
                + " update the test to the template");
        }
        return new TemplateSource(origin, text.replace(from, to));
    }

    /** The bundled template with {@code documents} (YAML, with their own {@code ---}) in front. */
    static TemplateSource prepending(String origin, String documents) {
        return new TemplateSource(origin, documents + "\n---\n" + bundled().text());
    }
}
