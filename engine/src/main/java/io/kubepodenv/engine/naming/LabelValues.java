package io.kubepodenv.engine.naming;

/**
 * Turns arbitrary text into a valid Kubernetes label value: at most 63 characters of {@code [A-Za-z0-9_.-]},
 * starting and ending with an alphanumeric character.
 *
 * <p>The rules are those of Preevy's driver, so labels written by either tool read the same: every other character
 * becomes {@code -}; an {@code a} is prepended when the first character is not alphanumeric and a {@code z} appended
 * when the last is not; a value longer than 63 keeps its first 58 characters, then {@code -} and 4 characters of a
 * hash of the whole sanitised value, so that two long values that differ only at the end stay distinct.
 */
public final class LabelValues {
    public static final int MAX_LENGTH = 63;
    private static final int HASH_CHARS = 4;

    private LabelValues() {
    }

    public static String sanitize(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), 256) + 2);
        text.codePoints().forEach(cp -> out.append(isAllowed(cp) ? (char) cp : '-'));
        if (out.isEmpty() || !isAlphanumeric(out.charAt(0))) {
            out.insert(0, 'a');
        }
        if (!isAlphanumeric(out.charAt(out.length() - 1))) {
            out.append('z');
        }
        if (out.length() <= MAX_LENGTH) {
            return out.toString();
        }
        String full = out.toString();
        String head = full.substring(0, MAX_LENGTH - HASH_CHARS - 1);
        return head + "-" + Hashes.sha256Hex(full).substring(0, HASH_CHARS);
    }

    /** True when {@code value} is already a valid label value (the empty value included). */
    public static boolean isValid(String value) {
        if (value.isEmpty()) {
            return true;
        }
        if (value.length() > MAX_LENGTH || !isAlphanumeric(value.charAt(0))
            || !isAlphanumeric(value.charAt(value.length() - 1))) {
            return false;
        }
        return value.chars().allMatch(LabelValues::isAllowed);
    }

    private static boolean isAllowed(int cp) {
        return isAlphanumeric(cp) || cp == '_' || cp == '.' || cp == '-';
    }

    private static boolean isAlphanumeric(int cp) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    }
}
