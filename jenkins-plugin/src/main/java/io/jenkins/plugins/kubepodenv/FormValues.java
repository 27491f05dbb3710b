package io.jenkins.plugins.kubepodenv;

import net.sf.json.JSONObject;

/** Form values arrive as empty strings for "not set". */
final class FormValues {
    private FormValues() {
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /**
     * The form without its empty values, so that a field left at "" (a drop-down's "inherit") is not bound at all and
     * stays null: Stapler would turn "" into {@code false} for a {@code Boolean}.
     */
    static JSONObject withoutBlanks(JSONObject form) {
        JSONObject kept = new JSONObject();
        for (String name : form.keySet()) {
            Object value = form.get(name);
            if (!"".equals(value)) {
                kept.put(name, value);
            }
        }
        return kept;
    }
}
