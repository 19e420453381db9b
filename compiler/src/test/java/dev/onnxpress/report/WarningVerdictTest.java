package dev.onnxpress.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.report.PipelineReport.StepReport;
import dev.onnxpress.report.PipelineReport.Verdict;
import dev.onnxpress.report.PipelineReport.VerdictLevel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A step whose checks held but that carries a warning gets the warning mark everywhere, never a tick. */
class WarningVerdictTest {
    static final String WARNING = "convert_fp16 is meant to shrink the model but grew it from 9536 to 10650 bytes";

    static PipelineReport withWarning() {
        PipelineReport r = SampleReports.unlabeled();
        StepReport s = r.steps().get(0);
        StepReport warned = new StepReport(s.pass(), s.options(), s.location(), s.attempt(), s.changed(),
                s.statistics(), s.skips(), s.notes(), s.bytes(), s.parameters(), s.nodes(), s.macs(), s.latencyMs(),
                s.metrics(), new Verdict(true, s.verdict().checks(), List.of(WARNING)), s.wallSeconds(), s.details());
        return new PipelineReport(r.input(), r.output(), r.recipe(), r.recipeFile(), r.baseline(),
                List.of(warned, r.steps().get(1)), r.outcome(), r.dataDescription(), r.wallSeconds());
    }

    @Test
    void levelFollowsChecksAndWarnings() {
        assertThat(new Verdict(true, List.of()).level()).isEqualTo(VerdictLevel.OK);
        assertThat(new Verdict(true, List.of(), List.of("w")).level()).isEqualTo(VerdictLevel.WARNING);
        assertThat(new Verdict(false, List.of(), List.of("w")).level()).isEqualTo(VerdictLevel.BREACH);
    }

    @Test
    void terminalShowsTheWarningMarkAndTheReason() {
        String out = TerminalReport.render(withWarning());
        String row = out.lines().filter(l -> l.trim().startsWith("1 ")).findFirst().orElseThrow();
        assertThat(row).contains("\u26a0").doesNotContain("\u2713");
        assertThat(out).contains("warnings:", WARNING);
        String ascii = TerminalReport.render(withWarning(), true);
        assertThat(ascii.lines().filter(l -> l.trim().startsWith("1 ")).findFirst().orElseThrow()).contains("WARN");
    }

    @Test
    void jsonSaysWarningAndListsWhy() throws Exception {
        JsonNode root = new ObjectMapper().readTree(JsonReport.toJson(withWarning()));
        assertThat(root.get("format_version").asInt()).isEqualTo(2);
        assertThat(root.get("steps").get(0).get("verdict").asText()).isEqualTo("warning");
        assertThat(root.get("steps").get(0).get("warnings").get(0).asText()).isEqualTo(WARNING);
        assertThat(root.get("steps").get(1).get("verdict").asText()).isIn("ok", "breach");
    }

    @Test
    void htmlHasAWarningBadge() {
        String html = HtmlReport.toHtml(withWarning());
        assertThat(html).contains("class=\"verdict warn\"", "\u26a0 warning", "<h2>Warnings</h2>");
    }
}
