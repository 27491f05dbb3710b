package io.kubepodenv.engine;

import io.kubepodenv.engine.naming.Hashes;
import io.kubepodenv.engine.naming.LabelValues;

/**
 * What an environment belongs to, as the caller names it: in Jenkins "multibranch project + source + change id" of a
 * pull request, on the command line any text. Two calls with equal keys mean the same environment.
 *
 * <p>The key is kept whole in an annotation; labels carry a sanitised readable form ({@link #labelValue()}) and a
 * collision-free hash ({@link #hash()}), which is what lookups select on.
 *
 * @param value the key; 1 to 1024 characters, no control characters, not blank
 */
public record EnvironmentKey(String value) {
    public static final int MAX_LENGTH = 1024;

    public EnvironmentKey {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException("environment key: must not be empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw new InvalidInputException("environment key: " + value.length() + " characters, at most "
                + MAX_LENGTH + " are allowed");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidInputException("environment key: must not contain control characters (newlines, tabs)");
        }
    }

    public static EnvironmentKey of(String value) {
        return new EnvironmentKey(value);
    }

    /** A readable label value for the key; several keys may share it, so never select on it alone. */
    public String labelValue() {
        return LabelValues.sanitize(value);
    }

    /** 40 hexadecimal characters of the key's SHA-256: a label value that identifies the key. */
    public String hash() {
        return Hashes.sha256Hex(value).substring(0, 40);
    }

    @Override
    public String toString() {
        return value;
    }
}
