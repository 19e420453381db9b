package dev.onnxpress.report;

/**
 * Escaping for text placed in the HTML report, in element content and in quoted attributes alike.
 * Model names, node names, skip reasons and recipe text are user data and may contain {@code <>&"'}.
 * Characters XML forbids (most C0 controls, lone surrogates) become U+FFFD so the page stays well-formed.
 */
final class HtmlText {
    private HtmlText() {
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1));
                    if (pair) {
                        b.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c) || (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
                            || c == 0xFFFE || c == 0xFFFF) {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
