package io.kubepodenv.engine;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations users type: {@code 90s}, {@code 10m}, {@code 1h30m}, {@code 7d}, {@code 600} (seconds),
 * {@code PT10M}.
 */
public final class Durations {
    private static final Pattern UNITS = Pattern.compile("(?:(\\d{1,5})d)?(?:(\\d{1,6})h)?(?:(\\d{1,6})m)?(?:(\\d{1,7})s)?");

    private Durations() {
    }

    public static Duration parse(String option, String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.matches("\\d{1,7}")) {
                return Duration.ofSeconds(Long.parseLong(t));
            }
            if (t.startsWith("pt")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
        } catch (DateTimeParseException e) {
            throw invalid(option, text);
        }
        Matcher m = UNITS.matcher(t);
        if (t.isEmpty() || !m.matches()) {
            throw invalid(option, text);
        }
        long seconds = 0;
        if (m.group(1) != null) {
            seconds += Long.parseLong(m.group(1)) * 86400;
        }
        if (m.group(2) != null) {
            seconds += Long.parseLong(m.group(2)) * 3600;
        }
        if (m.group(3) != null) {
            seconds += Long.parseLong(m.group(3)) * 60;
        }
        if (m.group(4) != null) {
            seconds += Long.parseLong(m.group(4));
        }
        return Duration.ofSeconds(seconds);
    }

    /** {@code 1m30s}, {@code 10m}, {@code 450ms}: the form error messages and help texts use. */
    public static String format(Duration d) {
        if (d.toMillis() < 1000) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        StringBuilder out = new StringBuilder();
        if (s >= 3600) {
            out.append(s / 3600).append('h');
        }
        if (s % 3600 >= 60) {
            out.append(s % 3600 / 60).append('m');
        }
        if (s % 60 != 0 || out.isEmpty()) {
            out.append(s % 60).append('s');
        }
        return out.toString();
    }

    private static InvalidInputException invalid(String option, String text) {
        return new InvalidInputException(option + ": '" + text
            + "' is not a duration (examples: 90s, 10m, 1h30m, 7d, or a number of seconds)");
    }
}
