package io.kubepodenv.engine.sync;

import io.kubepodenv.engine.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which paths of a tree are left out, in {@code .dockerignore} syntax: one pattern a line, {@code #} comments,
 * {@code *}, {@code ?}, {@code [...]}, {@code **} for any number of directories, {@code !} to take a path back in; the
 * last matching pattern decides, and a pattern that matches a directory matches everything below it. {@code .git}
 * (at any depth) is always left out.
 */
final class SyncExcludes {
    private record Rule(Pattern pattern, boolean include) {
    }

    private final List<Rule> rules;
    private final boolean anyInclude;

    private SyncExcludes(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        this.anyInclude = rules.stream().anyMatch(Rule::include);
    }

    /** The rules from the lines of a {@code .kpeignore}, then the given patterns. */
    static SyncExcludes of(List<String> ignoreFileLines, List<String> patterns) {
        List<Rule> rules = new ArrayList<>();
        rules.add(new Rule(compile("**/.git"), false));
        for (List<String> source : List.of(ignoreFileLines, patterns)) {
            for (String line : source) {
                String p = line.strip();
                if (p.isEmpty() || p.startsWith("#")) {
                    continue;
                }
                boolean include = p.startsWith("!");
                if (include) {
                    p = p.substring(1).strip();
                }
                rules.add(new Rule(compile(p), include));
            }
        }
        return new SyncExcludes(rules);
    }

    /** Refuses a pattern that cannot be compiled, naming it. */
    static void check(String pattern) {
        String p = pattern.strip();
        if (p.startsWith("!")) {
            p = p.substring(1);
        }
        if (!p.isEmpty() && !p.startsWith("#")) {
            compile(p);
        }
    }

    /** Whether {@code relative} ('/'-separated, no leading './') is left out. */
    boolean excludes(String relative) {
        boolean excluded = false;
        for (Rule rule : rules) {
            if (matchesOrParentMatches(rule.pattern, relative)) {
                excluded = !rule.include;
            }
        }
        return excluded;
    }

    /** An excluded directory must still be walked when a later '!' pattern may take something below it back. */
    boolean mayIncludeBelowExcluded() {
        return anyInclude;
    }

    private static boolean matchesOrParentMatches(Pattern pattern, String path) {
        if (pattern.matcher(path).matches()) {
            return true;
        }
        for (int i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
            if (pattern.matcher(path.substring(0, i)).matches()) {
                return true;
            }
        }
        return false;
    }

    private static Pattern compile(String raw) {
        String p = raw;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        while (p.endsWith("/") && p.length() > 1) {
            p = p.substring(0, p.length() - 1);
        }
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '*') {
                if (i + 1 < p.length() && p.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < p.length() && p.charAt(i + 1) == '/') {
                        i++;
                        regex.append("(?:.*/)?");
                    } else {
                        regex.append(".*");
                    }
                } else {
                    regex.append("[^/]*");
                }
            } else if (c == '?') {
                regex.append("[^/]");
            } else if (c == '[') {
                int end = p.indexOf(']', i + 1);
                if (end < 0) {
                    throw new InvalidInputException("exclude pattern '" + raw + "': '[' without ']'");
                }
                String set = p.substring(i + 1, end);
                if (set.startsWith("^") || set.startsWith("!")) {
                    set = "^" + set.substring(1);
                }
                regex.append('[').append(set.replace("\\", "\\\\").replace("[", "\\[")).append(']');
                i = end;
            } else if (c == '\\' && i + 1 < p.length()) {
                regex.append(Pattern.quote(String.valueOf(p.charAt(++i))));
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        try {
            return Pattern.compile(regex.toString());
        } catch (PatternSyntaxException e) {
            throw new InvalidInputException("exclude pattern '" + raw + "' is not valid: " + e.getDescription());
        }
    }
}
