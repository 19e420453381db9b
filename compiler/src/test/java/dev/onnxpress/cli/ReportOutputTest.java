package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReportOutputTest {
    @Test
    void onlyUtf8OutputGetsTheUnicodeTable() {
        assertThat(ReportOutput.isUtf8(StandardCharsets.UTF_8)).isTrue();
        assertThat(ReportOutput.isUtf8(StandardCharsets.US_ASCII)).isFalse();
        assertThat(ReportOutput.isUtf8(StandardCharsets.ISO_8859_1)).isFalse();
        assertThat(ReportOutput.isUtf8(Charset.forName("windows-1252"))).isFalse();
    }

    @Test
    void stdoutCharsetFollowsTheStdoutEncodingProperty() {
        String before = System.getProperty("stdout.encoding");
        try {
            System.setProperty("stdout.encoding", "ISO-8859-1");
            assertThat(ReportOutput.stdoutCharset()).isEqualTo(StandardCharsets.ISO_8859_1);
            System.setProperty("stdout.encoding", "no-such-charset");
            assertThat(ReportOutput.stdoutCharset()).isNotNull();
        } finally {
            if (before == null) {
                System.clearProperty("stdout.encoding");
            } else {
                System.setProperty("stdout.encoding", before);
            }
        }
    }
}
