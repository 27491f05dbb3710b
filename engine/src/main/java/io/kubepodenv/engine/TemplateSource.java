package io.kubepodenv.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The text of an environment template and where it came from (used in error messages).
 *
 * @param origin a short description: a file path, "bundled default template", "job configuration"
 * @param text the Jinja template text
 */
public record TemplateSource(String origin, String text) {
    public static final int MAX_TEMPLATE_BYTES = 256 * 1024;
    private static final String BUNDLED = "/io/kubepodenv/engine/template/default-template.yaml.j2";

    public TemplateSource {
        if (origin == null || origin.isBlank()) {
            throw new IllegalArgumentException("origin must not be empty");
        }
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("template (" + origin + "): is empty");
        }
        if (text.length() > MAX_TEMPLATE_BYTES) {
            throw new InvalidInputException("template (" + origin + "): " + text.length()
                + " characters, at most " + MAX_TEMPLATE_BYTES + " are allowed");
        }
    }

    /** The template shipped with kube-pod-env. */
    public static TemplateSource bundledDefault() {
        try (InputStream in = TemplateSource.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("bundled template missing from the class path: " + BUNDLED);
            }
            return new TemplateSource("bundled default template", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled template", e);
        }
    }

    /** Reads a template file; a missing, unreadable, oversized or non-UTF-8 file is an {@link InvalidInputException}. */
    public static TemplateSource fromFile(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException("template: no such file: " + file);
            }
            if (Files.size(file) > MAX_TEMPLATE_BYTES) {
                throw new InvalidInputException("template (" + file + "): larger than " + MAX_TEMPLATE_BYTES
                    + " bytes");
            }
            byte[] bytes = Files.readAllBytes(file);
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            return new TemplateSource(file.toString(), text);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new InvalidInputException("template (" + file + "): not UTF-8 text");
        } catch (IOException e) {
            throw new InvalidInputException("template: cannot read " + file + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return origin;
    }
}
