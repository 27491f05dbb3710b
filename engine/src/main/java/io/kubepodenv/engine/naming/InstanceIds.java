package io.kubepodenv.engine.naming;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Instance ids: the name every object of one environment is derived from.
 *
 * <p>An id is a readable prefix built from its parts (lower-case, {@code [a-z0-9-]}, starting with a letter, at most
 * 42 characters) followed by {@code -} and a random suffix of 5 characters: at most 48 characters, leaving 15 for
 * the names Kubernetes derives from a StatefulSet's (pod ordinals, {@code controller-revision-hash}) and for the
 * suffixes a template adds. It is a valid DNS label and a valid label value.
 */
public final class InstanceIds {
    public static final int MAX_LENGTH = 48;
    static final int PREFIX_LENGTH = 42;
    static final int SUFFIX_LENGTH = 5;
    private static final String SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final Pattern VALID = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    private final RandomGenerator random;

    public InstanceIds() {
        this(new SecureRandom());
    }

    public InstanceIds(RandomGenerator random) {
        this.random = random;
    }

    /** A new id whose prefix is made from {@code parts} joined with {@code -}. */
    public String generate(String... parts) {
        StringBuilder id = new StringBuilder(prefix(parts)).append('-');
        for (int i = 0; i < SUFFIX_LENGTH; i++) {
            id.append(SUFFIX_ALPHABET.charAt(random.nextInt(SUFFIX_ALPHABET.length())));
        }
        return id.toString();
    }

    /** The readable part of an id: never empty, at most 42 characters, starts with a letter, ends alphanumeric. */
    public static String prefix(String... parts) {
        String joined = String.join("-", parts).toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(Math.min(joined.length(), 128));
        boolean lastWasDash = false;
        for (int i = 0; i < joined.length(); i++) {
            char c = joined.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (allowed) {
                out.append(c);
                lastWasDash = false;
            } else if (!lastWasDash) {
                out.append('-');
                lastWasDash = true;
            }
        }
        String text = stripDashes(out.toString());
        if (text.isEmpty()) {
            text = "env";
        }
        if (!Character.isLetter(text.charAt(0))) {
            text = "a" + text;
        }
        if (text.length() > PREFIX_LENGTH) {
            text = stripDashes(text.substring(0, PREFIX_LENGTH));
        }
        return text;
    }

    /** True when {@code id} could have been made by {@link #generate}: used to check ids given by the user. */
    public static boolean isValid(String id) {
        return id.length() <= MAX_LENGTH && VALID.matcher(id).matches();
    }

    private static String stripDashes(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && text.charAt(start) == '-') {
            start++;
        }
        while (end > start && text.charAt(end - 1) == '-') {
            end--;
        }
        return text.substring(start, end);
    }
}
