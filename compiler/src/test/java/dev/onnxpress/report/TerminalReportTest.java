package dev.onnxpress.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.report.PipelineReport.SkipEntry;
import dev.onnxpress.report.PipelineReport.StepReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TerminalReportTest {
    private static List<String> lines(String s) {
        return Arrays.asList(s.split("\n"));
    }

    /** The main table's rows: between the rule under the header and the closing rule (detail tables follow). */
    private static List<String> rows(List<String> lines, char rule) {
        List<Integer> rules = IntStream.range(0, lines.size())
                .filter(i -> !lines.get(i).isEmpty() && lines.get(i).chars().allMatch(c -> c == rule)).boxed()
                .toList();
        assertThat(rules.size()).isGreaterThanOrEqualTo(2).isEven();
        return lines.subList(rules.get(0) + 1, rules.get(1));
    }

    @Test
    void baselineFirstThenOneRowPerStepThenOutcomeLast() {
        String out = TerminalReport.render(SampleReports.breach());
        List<String> lines = lines(out);
        List<String> rows = rows(lines, '\u2500');
        assertThat(rows).hasSize(5);
        assertThat(rows.get(0)).startsWith("0  input (baseline)").contains("61.2 MB", "15.3M", "313M", "93.12%",
                "2.00 ms", "1.00\u00d7");
        assertThat(rows.get(1)).startsWith("1  strip_training_nodes").contains("0.0%", "1.000000", "100.00%",
                "\u2713");
        assertThat(rows.get(2)).startsWith("2  prune_channels [r=50%]").contains("16.0 MB", "-73.9%", "4.00M",
                "80.0M", "3.25e+00", "0.912300", "91.20%", "85.00%", "-8.12", "0.600 ms", "3.33\u00d7", "\u2717");
        // the rejected attempt is not the previous model of the next attempt: both compare with step 1
        assertThat(rows.get(3)).startsWith("3  prune_channels [r=30%]").contains("30.0 MB", "-51.0%", "1.23e-02",
                "-0.31", "\u2713");
        // ... and the step after the try compares with the accepted attempt (30.0 MB -> 7.60 MB)
        assertThat(rows.get(4)).startsWith("4  quantize_int8").contains("-74.7%", "-87.6%", "NaN", "40.12%",
                "-53.00", "\u2717");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("TOLERANCE BREACH: recipe.txt:8:1: "
                + "quantize_int8(calibration=test): accuracy drop 53.00 > 0.5 points; no model written in 14.2 s");
    }

    @Test
    void columnsAreAligned() {
        for (boolean ascii : new boolean[] {false, true}) {
            List<String> lines = lines(TerminalReport.render(SampleReports.breach(), ascii));
            String header = lines.get(0);
            List<String> rows = rows(lines, ascii ? '-' : '\u2500');
            // every right-aligned column: each row's cell ends where the header word ends
            for (String word : List.of("size", "prev", "total", "params", "MACs", "max_abs", "cosine", "top1",
                    "accuracy", "pts", "latency", "speed", "skips")) {
                int end = header.indexOf(word) + word.length();
                for (String row : rows.subList(1, rows.size())) {
                    assertThat(row.charAt(end - 1)).as("%s in %s", word, row).isNotEqualTo(' ');
                    assertThat(row.charAt(end)).as("%s in %s", word, row).isEqualTo(' ');
                }
            }
            int verdict = header.indexOf(" ok") + 1;
            for (String row : rows.subList(1, rows.size())) {
                assertThat(row.substring(verdict)).isIn("\u2713", "\u2717", "ok", "FAIL");
            }
        }
    }

    @Test
    void failedChecksAndFirstSkipReasonsAreListed() {
        String out = TerminalReport.render(SampleReports.breach());
        assertThat(out).contains("failed checks:\n"
                + "  \u2717 step 2 prune_channels [r=50%] (recipe.txt:6:3): top1_agreement vs original >= 0.98: "
                + "measured 91.20%, bound >= 98.00%\n"
                + "  \u2717 step 4 quantize_int8 (recipe.txt:8:1): accuracy max_drop 0.5: measured 40.12%, "
                + "bound >= 92.62%\n");
        assertThat(out).contains("skipped (3 places):\n"
                + "  [2] prune_channels: node 'conv<1>': depthwise & grouped conv <script>alert(\"x&y\")</script> "
                + "'q' ?\n");
        assertThat(out).doesNotContain("\u0001");
    }

    @Test
    void skipFootnotesStopAfterTheFirstFew() {
        PipelineReport r = SampleReports.unlabeled();
        StepReport s = r.steps().get(0);
        List<SkipEntry> skips = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            skips.add(new SkipEntry("node n" + i, "reason " + i));
        }
        StepReport many = new StepReport(s.pass(), s.options(), s.location(), s.attempt(), s.changed(),
                s.statistics(), skips, s.notes(), s.bytes(), s.parameters(), s.nodes(), s.macs(), s.latencyMs(),
                s.metrics(), s.verdict(), s.wallSeconds(), s.details());
        PipelineReport withSkips = new PipelineReport(r.input(), r.output(), r.recipe(), r.recipeFile(),
                r.baseline(), List.of(many), r.outcome(), r.dataDescription(), r.wallSeconds());
        String out = TerminalReport.render(withSkips);
        assertThat(out).contains("skipped (12 places), first 5:\n").contains("node n4: reason 4")
                .doesNotContain("node n5");
        assertThat(rows(lines(out), '\u2500').get(1)).contains(" 12  ");
    }

    @Test
    void asciiModeHasNoUnicodeAtAll() {
        for (PipelineReport r : List.of(SampleReports.breach(), SampleReports.unlabeled(), SampleReports.empty())) {
            String out = TerminalReport.render(r, true);
            assertThat(out.chars()).allMatch(c -> c < 128);
            assertThat(out).doesNotContain("\u2500", "\u0394");
        }
        assertThat(TerminalReport.render(SampleReports.breach(), true)).contains("3.33x", "dprev", "FAIL", "ok");
    }

    @Test
    void absentFiguresAndSuccessfulOutcome() {
        String out = TerminalReport.render(SampleReports.unlabeled());
        List<String> rows = rows(lines(out), '\u2500');
        assertThat(rows.get(1)).contains("remove_identity", "4.40 KB", "-2.2%", "\u2013");
        assertThat(rows.get(2)).contains("strip_docs", "0.0%", "-2.2%");
        assertThat(lines(out).get(lines(out).size() - 1))
                .isEqualTo("OK: 4.50 KB \u2192 4.40 KB (-2.2%), wrote out/tiny.onnx in 0.50 s");
    }

    @Test
    void aRunThatEndedBeforeAnyStepStillRenders() {
        String out = TerminalReport.render(SampleReports.empty());
        assertThat(rows(lines(out), '\u2500')).hasSize(1);
        assertThat(out).endsWith("ERROR: the run failed; no model written in 0.00 s\n");
    }

    @Test
    void detailListsOfRowsAreSmallTablesUnderTheMainTable() {
        for (boolean ascii : new boolean[] {false, true}) {
            String out = TerminalReport.render(SampleReports.breach(), ascii);
            List<String> lines = lines(out);
            int title = lines.indexOf("step 3 prune_channels [r=30%]: layers");
            assertThat(title).as(out).isPositive();
            char rule = ascii ? '-' : '\u2500';
            assertThat(lines.get(title + 1)).matches("layer +channels_before +channels_after +error");
            assertThat(lines.get(title + 2)).matches(rule + "+");
            assertThat(lines.get(title + 3)).matches("conv1 +64 +45 +0\\.0015");
            // NaN has no JSON number: it is absent, shown as the absent mark
            assertThat(lines.get(title + 4)).startsWith("conv2 <main> & \"b\"").endsWith(ascii ? " -" : " \u2013");
            assertThat(lines.get(title + 5)).matches("fc +512 +358 +0\\.0225");
            assertThat(lines.get(title + 6)).matches(rule + "+");
            // numbers are right-aligned under their header
            int end = lines.get(title + 1).indexOf("channels_after") + "channels_after".length();
            assertThat(lines.get(title + 3).charAt(end - 1)).isEqualTo('5');
            // scalar details stay in the JSON/HTML reports; the main table and the outcome line are unchanged
            assertThat(out).doesNotContain("importance");
            assertThat(out.indexOf("step 3 prune_channels")).isLessThan(out.indexOf("failed checks:"));
            if (ascii) {
                assertThat(out.chars().allMatch(c -> c < 127)).isTrue();
            }
        }
    }

    @Test
    void longDetailTablesAreCutWithACountOfTheRest() {
        Map<String, Object> details = new LinkedHashMap<>();
        List<Map<String, Object>> layers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", "conv" + i);
            row.put("sparsity", 0.9);
            layers.add(row);
        }
        details.put("layers", layers);
        details.put("total", Map.of("sparsity", 0.9));
        PipelineReport base = SampleReports.unlabeled();
        StepReport s = base.steps().get(0);
        StepReport withDetails = new StepReport(s.pass(), s.options(), s.location(), s.attempt(), s.changed(),
                s.statistics(), s.skips(), s.notes(), s.bytes(), s.parameters(), s.nodes(), s.macs(), s.latencyMs(),
                s.metrics(), s.verdict(), s.wallSeconds(), details);
        PipelineReport r = new PipelineReport(base.input(), base.output(), base.recipe(), base.recipeFile(),
                base.baseline(), List.of(withDetails), base.outcome(), base.dataDescription(), base.wallSeconds());
        List<String> lines = lines(TerminalReport.render(r, true));
        int title = lines.indexOf("step 1 remove_identity: layers");
        assertThat(title).isPositive();
        assertThat(lines.subList(title + 3, title + 3 + TerminalReport.DETAIL_ROWS))
                .allMatch(l -> l.matches("conv[0-9]+ +0\\.9"));
        assertThat(lines.get(title + 3 + TerminalReport.DETAIL_ROWS)).matches("-+");
        assertThat(lines.get(title + 4 + TerminalReport.DETAIL_ROWS))
                .isEqualTo("  " + (40 - TerminalReport.DETAIL_ROWS) + " more rows in the JSON report");
        assertThat(lines.get(lines.size() - 1)).startsWith("OK");
    }
}
