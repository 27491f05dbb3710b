package io.kubepodenv.engine.tunnel;

import java.util.Optional;

/**
 * The little JSON the tunnel speaks, without a JSON library (a tunnel opened from an {@link ApiServerAccess} must not
 * load one): a string written as a JSON string, and one string member read from the top level of an object (the
 * {@code message} of a Kubernetes {@code Status} or of a Docker error). The reader follows the JSON grammar, so a
 * member nested deeper, or a key inside a string, is never mistaken for the one asked for; anything that is not
 * JSON gives empty, never an exception.
 */
final class JsonText {
    private final String text;
    private int pos;

    private JsonText(String text) {
        this.text = text;
    }

    /** {@code s} as a JSON string literal, quotes included; every control character escaped. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F || Character.isSurrogate(c) && !validSurrogateAt(s, i)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static boolean validSurrogateAt(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** The string value of member {@code name} of the object {@code json}, if it is one and has it. */
    static Optional<String> topLevelString(String json, String name) {
        JsonText reader = new JsonText(json);
        try {
            reader.space();
            reader.expect('{');
            reader.space();
            if (reader.peek() == '}') {
                return Optional.empty();
            }
            String found = null;
            while (true) {
                reader.space();
                String key = reader.string();
                reader.space();
                reader.expect(':');
                reader.space();
                if (key.equals(name) && reader.peek() == '"' && found == null) {
                    found = reader.string();
                } else {
                    reader.skipValue(0);
                }
                reader.space();
                char c = reader.next();
                if (c == '}') {
                    return Optional.ofNullable(found);
                }
                if (c != ',') {
                    return Optional.empty();
                }
            }
        } catch (NotJson e) {
            return Optional.empty();
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw new NotJson();
        }
        return text.charAt(pos);
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            throw new NotJson();
        }
    }

    private void space() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                throw new NotJson();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw new NotJson();
                    }
                    try {
                        b.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw new NotJson();
                    }
                    pos += 4;
                }
                default -> throw new NotJson();
            }
        }
    }

    /** Skips one value of any kind; nesting is bounded so that hostile input cannot exhaust the stack. */
    private void skipValue(int depth) {
        if (depth > 64) {
            throw new NotJson();
        }
        char c = peek();
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            pos++;
            space();
            if (peek() == close) {
                pos++;
                return;
            }
            while (true) {
                space();
                if (close == '}') {
                    string();
                    space();
                    expect(':');
                    space();
                }
                skipValue(depth + 1);
                space();
                char n = next();
                if (n == close) {
                    return;
                }
                if (n != ',') {
                    throw new NotJson();
                }
            }
        } else {
            int start = pos;
            while (pos < text.length() && ",}] \t\r\n".indexOf(text.charAt(pos)) < 0) {
                pos++;
            }
            String literal = text.substring(start, pos);
            if (!literal.equals("true") && !literal.equals("false") && !literal.equals("null")
                    && !literal.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
                throw new NotJson();
            }
        }
    }

    private static final class NotJson extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotJson() {
            super(null, null, false, false);
        }
    }
}
