package io.kubepodenv.engine.config;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Removes secrets from text that is about to be shown (build logs, form validation, exception messages): every known
 * secret, its base64 form, and anything that looks like an Authorization header's credentials.
 */
public final class SecretMasker {
    /** What a secret is replaced with. */
    public static final String MASK = "****";
    /** Secrets shorter than this are not masked: masking "a" would destroy the message and protect nothing. */
    static final int MIN_LENGTH = 4;
    private static final Pattern AUTH_HEADER =
        Pattern.compile("(?i)\\b(bearer|basic)(\\s+)[A-Za-z0-9\\-._~+/]+=*");

    private final List<String> secrets;

    private SecretMasker(List<String> secrets) {
        this.secrets = secrets;
    }

    public static SecretMasker of(Collection<String> secrets) {
        List<String> all = new ArrayList<>();
        for (String s : secrets) {
            if (s == null || s.strip().length() < MIN_LENGTH) {
                continue;
            }
            all.add(s);
            all.add(s.strip());
            all.add(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
        }
        // Longest first, so that a secret containing another is masked whole.
        all.sort(Comparator.comparingInt(String::length).reversed());
        return new SecretMasker(List.copyOf(all.stream().distinct().toList()));
    }

    public static SecretMasker none() {
        return new SecretMasker(List.of());
    }

    /** {@code text} with every secret replaced by {@value #MASK}; null stays null. */
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, MASK);
        }
        return AUTH_HEADER.matcher(out).replaceAll("$1$2" + MASK);
    }

    /**
     * A message for {@code error} and its causes, masked: the chain of messages, joined by ": ", without
     * duplicates. Stack traces are not included (they may carry request details).
     */
    public String describe(Throwable error) {
        StringBuilder out = new StringBuilder();
        Throwable t = error;
        int depth = 0;
        while (t != null && depth++ < 5) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (out.indexOf(m) < 0) {
                if (!out.isEmpty()) {
                    out.append(": ");
                }
                out.append(m);
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return mask(out.toString());
    }
}
