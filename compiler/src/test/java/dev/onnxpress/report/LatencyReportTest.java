package dev.onnxpress.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.onnxpress.ort.LatencyComparison;
import dev.onnxpress.ort.LatencyComparison.Verdict;
import dev.onnxpress.report.PipelineReport.StepReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Latency in the three reports: a difference within noise is "≈ same" and never coloured as a loss. */
class LatencyReportTest {

    static PipelineReport withSpeed(LatencyComparison c) {
        PipelineReport r = SampleReports.unlabeled();
        List<StepReport> steps = new ArrayList<>();
        for (StepReport s : r.steps()) {
            steps.add(new StepReport(s.pass(), s.options(), s.location(), s.attempt(), s.changed(), s.statistics(),
                    s.skips(), s.notes(), s.bytes(), s.parameters(), s.nodes(), s.macs(), c.candidateMs(),
                    s.metrics(), s.verdict(), s.wallSeconds(), s.details(), Optional.of(c)));
        }
        return new PipelineReport(r.input(), r.output(), r.recipe(), r.recipeFile(), r.baseline(), steps, r.outcome(),
                r.dataDescription(), r.wallSeconds());
    }

    /** The latency cell of the first step row of the HTML step table. */
    static String latencyCell(String html) {
        int row = html.indexOf("<tr class=\"accepted\">");
        Matcher m = Pattern.compile("<td class=\"num\">[0-9.]+ ms(<div class=\"sub[^\"]*\">[^<]*</div>)?</td>")
                .matcher(html);
        assertThat(m.find(row)).isTrue();
        return m.group();
    }

    @Test
    void withinNoiseIsSameAndNeverALoss() throws Exception {
        // the candidate looks 8 % slower, but the interval holds 1: noise
        PipelineReport r = withSpeed(new LatencyComparison(0.25, 0.27, 0.926, 0.8, 1.05, 0.1, 40, Verdict.SAME));
        String html = HtmlReport.toHtml(r);
        assertThat(latencyCell(html)).contains("\u2248 same").doesNotContain("worse");
        assertThat(html).contains("median ms, one sample");
        String card = html.substring(html.indexOf("card-label\">Latency"));
        card = card.substring(0, card.indexOf("</div></div>"));
        assertThat(card).contains("class=\"neutral\"").doesNotContain("worse");
        assertThat(TerminalReport.render(r, true)).contains("~same");
        assertThat(TerminalReport.render(r, false)).contains("\u2248 same");
        JsonNode l = JsonReport.toTree(r).get("steps").get(0).get("latency");
        assertThat(l.get("verdict").asText()).isEqualTo("same");
        assertThat(l.get("rounds").asInt()).isEqualTo(40);
        assertThat(l.get("speedup_low").asDouble()).isEqualTo(0.8);
    }

    @Test
    void aResolvedDifferenceShowsItsRatioAndColour() throws Exception {
        PipelineReport slower = withSpeed(new LatencyComparison(0.25, 0.5, 0.5, 0.45, 0.55, 0.02, 30, Verdict.SLOWER));
        assertThat(latencyCell(HtmlReport.toHtml(slower))).contains("0.50\u00d7").contains("worse");
        PipelineReport faster = withSpeed(new LatencyComparison(0.5, 0.25, 2, 1.9, 2.1, 0.02, 30, Verdict.FASTER));
        assertThat(latencyCell(HtmlReport.toHtml(faster))).contains("2.00\u00d7").doesNotContain("worse");
        assertThat(TerminalReport.render(faster, true)).contains("2.00x");
    }

    @Test
    void tooFewRoundsShowAQuestionMarkAndNoColour() throws Exception {
        PipelineReport r = withSpeed(new LatencyComparison(0.25, 0.4, 0.62, Double.NaN, Double.NaN, 0.3, 2,
                Verdict.UNCERTAIN));
        assertThat(latencyCell(HtmlReport.toHtml(r))).contains("0.62\u00d7?").doesNotContain("worse");
    }
}
