package dev.onnxpress.error;

import java.nio.file.Path;

/**
 * Text from files (model names, paths, recipe identifiers) made safe to print on a terminal: control
 * characters and ANSI escape sequences cannot reach it (they are shown as {@code \xNN} or dropped), bidi
 * overrides are dropped, and a long identifier is cut with a note of its length.
 */
public final class Shown {
    /** Longest name printed whole. */
    public static final int MAX_NAME = 120;
    /** Longest message printed whole. */
    public static final int MAX_MESSAGE = 4000;

    private Shown() {
    }

    /** A name from a file, sanitized and cut to {@link #MAX_NAME} characters. */
    public static String name(String s) {
        return cut(clean(s), MAX_NAME);
    }

    /** A path, sanitized and cut. */
    public static String path(Path p) {
        return p == null ? "null" : cut(clean(p.toString()), 2 * MAX_NAME);
    }

    /** Same as {@link #name} for any text given by the user (an argument, a path as typed). */
    public static String text(String s) {
        return cut(clean(s), 2 * MAX_NAME);
    }

    /**
     * A whole message: sanitized, each run of non-blank characters longer than {@link #MAX_NAME} cut, and the
     * whole cut to {@link #MAX_MESSAGE} characters.
     */
    public static String message(String s) {
        if (s == null) {
            return null;
        }
        String c = clean(s);
        StringBuilder out = new StringBuilder(Math.min(c.length(), MAX_MESSAGE + 64));
        int i = 0;
        while (i < c.length() && out.length() <= MAX_MESSAGE) {
            int j = i;
            while (j < c.length() && !Character.isWhitespace(c.charAt(j))) {
                j++;
            }
            if (j > i) {
                out.append(cut(c.substring(i, j), MAX_NAME));
                i = j;
            } else {
                out.append(c.charAt(i++));
            }
        }
        if (i < c.length()) {
            out.append("… (message cut at ").append(MAX_MESSAGE).append(" of ").append(c.length()).append(" characters)");
        }
        return out.toString();
    }

    /** Control characters as \xNN (newlines and tabs as spaces), ANSI CSI/OSC sequences and bidi controls dropped. */
    public static String clean(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = null;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            boolean bad = ch < 0x20 || (ch >= 0x7f && ch <= 0x9f) || (ch >= 0x202a && ch <= 0x202e)
                    || (ch >= 0x2066 && ch <= 0x2069) || ch == 0x200e || ch == 0x200f;
            if (!bad) {
                if (b != null) {
                    b.append(ch);
                }
                continue;
            }
            if (b == null) {
                b = new StringBuilder(n);
                b.append(s, 0, i);
            }
            if (ch == 0x1b && i + 1 < n && (s.charAt(i + 1) == '[' || s.charAt(i + 1) == ']')) {
                // an escape sequence: CSI ends at a byte in @..~, OSC at BEL or ESC \
                boolean osc = s.charAt(i + 1) == ']';
                int j = i + 2;
                while (j < n) {
                    char c = s.charAt(j);
                    if (osc ? (c == 0x07 || c == 0x1b) : (c >= 0x40 && c <= 0x7e)) {
                        break;
                    }
                    j++;
                }
                if (osc && j < n && s.charAt(j) == 0x1b && j + 1 < n && s.charAt(j + 1) == '\\') {
                    j++;
                }
                b.append("\\x1b");
                i = j;
            } else if (ch == '\n' || ch == '\r' || ch == '\t') {
                b.append(' ');
            } else if (ch < 0x20 || (ch >= 0x7f && ch <= 0x9f)) {
                b.append(String.format("\\x%02x", (int) ch));
            }
            // bidi controls: dropped
        }
        return b == null ? s : b.toString();
    }

    private static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int head = max - 20;
        if (Character.isHighSurrogate(s.charAt(head - 1))) {
            head--;
        }
        return s.substring(0, head) + "…(" + s.length() + " chars)";
    }
}
