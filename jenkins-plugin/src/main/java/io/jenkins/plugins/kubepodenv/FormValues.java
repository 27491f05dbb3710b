package io.jenkins.plugins.kubepodenv;

/** Form values arrive as empty strings for "not set". */
final class FormValues {
    private FormValues() {
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
