package io.kubepodenv.engine.config;

/** Configuration forms send empty strings for unset fields; these helpers treat blank and null alike. */
final class Blanks {
    private Blanks() {
    }

    static String orEmpty(String s) {
        return s == null || s.isBlank() ? "" : s.strip();
    }

    static String orNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
