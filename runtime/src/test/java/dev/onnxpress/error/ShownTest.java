package dev.onnxpress.error;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ShownTest {
    @Test
    void escapeSequencesAndControlCharactersAreDefused() {
        assertThat(Shown.clean("a\u001b[31mred\u001b[0m")).isEqualTo("a\\x1bred\\x1b");
        assertThat(Shown.clean("t\u001b]0;title\u0007x")).isEqualTo("t\\x1bx");
        assertThat(Shown.clean("b\u0008\u009b\u007f")).isEqualTo("b\\x08\\x9b\\x7f");
        assertThat(Shown.clean("l1\nl2\tx")).isEqualTo("l1 l2 x");
        assertThat(Shown.clean("ab\u202ecd\u2066")).isEqualTo("abcd");
        assertThat(Shown.clean("plain ünïcode")).isEqualTo("plain ünïcode");
    }

    @Test
    void longNamesAreCutWithTheirLength() {
        String n = Shown.name("x".repeat(1000));
        assertThat(n).hasSizeLessThanOrEqualTo(Shown.MAX_NAME).endsWith("…(1000 chars)");
        assertThat(Shown.name("short")).isEqualTo("short");
    }

    @Test
    void messagesKeepTheirWordsButCutHugeOnes() {
        String path = "/a".repeat(200);
        assertThat(Shown.message("cannot read " + path + ": gone")).isEqualTo("cannot read " + path + ": gone");
        String m = Shown.message("node 'n' reads '" + "y".repeat(10_000_000) + "' which no node produces");
        assertThat(m).hasSizeLessThan(700).contains("(10000002 chars)").endsWith("which no node produces");
    }
}
