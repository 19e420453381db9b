package dev.onnxpress.dsl;

import java.util.Objects;

/**
 * A shell-style pattern over a whole string: {@code *} matches any run of characters (also
 * none), {@code ?} exactly one; everything else, {@code /} and {@code .} included, matches
 * itself. Case-sensitive, as ONNX op types and node names are.
 */
public record Glob(String pattern) {

    public Glob {
        Objects.requireNonNull(pattern, "pattern");
    }

    public static boolean matches(String pattern, String text) {
        return new Glob(pattern).matches(text);
    }

    /** True when the pattern has no wildcard, so it matches only itself. */
    public boolean isLiteral() {
        return pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0;
    }

    /**
     * Greedy matching with backtracking to the last {@code *} only: linear in practice and never
     * exponential, unlike a naive recursive matcher on patterns such as {@code *a*a*a*b}.
     */
    public boolean matches(String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int starText = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))
                    && pattern.charAt(p) != '*') {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                starText = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++starText;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    @Override
    public String toString() {
        return pattern;
    }
}
