package io.kubepodenv.engine;

import java.math.BigDecimal;

/**
 * Size in GiB of the Docker server's volume: positive, fractions allowed ({@code 12.5} renders {@code 12.5Gi}).
 *
 * @param gib the size; at most {@value #MAX_GIB}, at most 3 decimals
 */
public record StorageSize(BigDecimal gib) {
    public static final int MAX_GIB = 65536;
    public static final StorageSize DEFAULT = new StorageSize(BigDecimal.valueOf(5));

    public StorageSize {
        if (gib == null || gib.signum() <= 0) {
            throw new InvalidInputException("storage size: must be a positive number of GiB, got " + gib);
        }
        if (gib.compareTo(BigDecimal.valueOf(MAX_GIB)) > 0) {
            throw new InvalidInputException("storage size: " + gib.toPlainString() + " GiB is more than the "
                + MAX_GIB + " GiB allowed");
        }
        gib = gib.stripTrailingZeros();
        if (gib.scale() > 3) {
            throw new InvalidInputException("storage size: at most 3 decimals, got " + gib.toPlainString());
        }
        if (gib.scale() < 0) {
            gib = gib.setScale(0);
        }
    }

    /** Parses a plain decimal number such as {@code 5} or {@code 12.5}; units, signs and exponents are refused. */
    public static StorageSize parse(String text) {
        String trimmed = text == null ? "" : text.strip();
        if (!trimmed.matches("[0-9]{1,9}(\\.[0-9]{1,9})?")) {
            throw new InvalidInputException("storage size: '" + text
                + "' is not a number of GiB (examples: 5, 12.5; no unit)");
        }
        return new StorageSize(new BigDecimal(trimmed));
    }

    /** The number as the template receives it: {@code 5}, {@code 12.5}. */
    public String render() {
        return gib.toPlainString();
    }

    @Override
    public String toString() {
        return render();
    }
}
