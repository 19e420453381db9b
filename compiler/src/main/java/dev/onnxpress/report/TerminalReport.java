package dev.onnxpress.report;

import dev.onnxpress.report.PipelineReport.Baseline;
import dev.onnxpress.report.PipelineReport.CheckResult;
import dev.onnxpress.report.PipelineReport.SkipEntry;
import dev.onnxpress.report.PipelineReport.StepReport;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The per-step table printed at the end of {@code onnxpress run}: one row for the input model, one per
 * executed step (each {@code try} attempt included), then the pass details that are lists of rows (as
 * small tables), failed checks, the first skip reasons and the outcome line. A pure function of the
 * report; {@code ascii=true} avoids every non-ASCII character for terminals and logs that mangle them.
 */
public final class TerminalReport {
    /** How many skip reasons the footnotes list before summarizing the rest. */
    static final int SKIP_FOOTNOTES = 5;
    /** Step labels longer than this are cut, so one long attempt value does not widen every row. */
    static final int LABEL_WIDTH = 30;
    /** Rows of a pass's detail table shown in the terminal; the JSON and HTML reports have all. */
    static final int DETAIL_ROWS = 12;

    private TerminalReport() {
    }

    public static String render(PipelineReport report) {
        return render(report, false);
    }

    public static String render(PipelineReport report, boolean ascii) {
        ReportFormat f = ascii ? ReportFormat.ascii() : ReportFormat.unicode();
        Baseline base = report.baseline();
        String delta = ascii ? "d" : "\u0394";

        TextTable table = new TextTable(List.of(
                new TextTable.Column("#", true), new TextTable.Column("step", false),
                new TextTable.Column("size", true), new TextTable.Column(delta + "prev", true),
                new TextTable.Column(delta + "total", true), new TextTable.Column("params", true),
                new TextTable.Column("MACs", true), new TextTable.Column("max_abs", true),
                new TextTable.Column("cosine", true), new TextTable.Column("top1", true),
                new TextTable.Column("accuracy", true), new TextTable.Column(delta + "pts", true),
                new TextTable.Column("latency", true), new TextTable.Column("speed", true),
                new TextTable.Column("skips", true), new TextTable.Column("ok", false)));

        String none = "";
        table.add(List.of("0", "input (baseline)", f.bytes(base.bytes()), none, none, f.count(base.parameters()),
                f.macs(base.macs()), none, none, none, f.percent(base.accuracy()), none, f.millis(base.latencyMs()),
                f.speedup(base.latencyMs(), base.latencyMs()), none, none));

        long[] previous = StepOrigins.previousBytes(report);
        List<StepReport> steps = report.steps();
        for (int i = 0; i < steps.size(); i++) {
            StepReport s = steps.get(i);
            table.add(List.of(
                    Integer.toString(i + 1),
                    cut(StepOrigins.label(s), ascii),
                    f.bytes(s.bytes()),
                    f.change(previous[i], s.bytes()),
                    f.change(base.bytes(), s.bytes()),
                    f.count(s.parameters()),
                    f.macs(s.macs()),
                    f.error(s.metrics().maxAbsError()),
                    f.cosine(s.metrics().cosine()),
                    f.percent(s.metrics().top1Agreement()),
                    f.percent(s.metrics().accuracy()),
                    accuracyDrop(f, base.accuracy(), s.metrics().accuracy()),
                    f.millis(s.latencyMs()),
                    f.speed(s, base.latencyMs()),
                    Integer.toString(s.skips().size()),
                    f.verdict(s.verdict().level())));
        }

        StringBuilder out = new StringBuilder();
        table.render(out, ascii ? '-' : '\u2500');
        RuntimeTable.render(out, report, f, ascii);
        detailTables(out, report, f, ascii);
        footnotes(out, report, f, ascii);
        BatchSizes.sentence(report).ifPresent(line -> out.append(clean(line, ascii)).append('\n'));
        out.append(outcomeLine(report, f)).append('\n');
        return out.toString();
    }

    /**
     * Pass details that are lists of rows (pack_huffman's Deep Compression table, per-layer pruning
     * tables): one compact table each, its first {@link #DETAIL_ROWS} rows, so a 200-layer model does not
     * flood the terminal. Other details (scalars, nested objects) are in the JSON and HTML reports only.
     */
    private static void detailTables(StringBuilder out, PipelineReport report, ReportFormat f, boolean ascii) {
        List<StepReport> steps = report.steps();
        for (int i = 0; i < steps.size(); i++) {
            StepReport s = steps.get(i);
            if (s.details().isEmpty()) {
                continue;
            }
            JsonNode tree = JsonReport.value(s.details());
            for (Map.Entry<String, JsonNode> e : tree.properties()) {
                JsonNode rows = e.getValue();
                if (!rows.isArray() || rows.isEmpty() || !allObjects(rows)) {
                    continue;
                }
                Set<String> keys = new LinkedHashSet<>();
                rows.forEach(r -> r.fieldNames().forEachRemaining(keys::add));
                List<TextTable.Column> columns = new ArrayList<>();
                for (String k : keys) {
                    columns.add(new TextTable.Column(clean(k, ascii), numeric(rows, k)));
                }
                TextTable table = new TextTable(columns);
                int shown = Math.min(rows.size(), DETAIL_ROWS);
                for (int r = 0; r < shown; r++) {
                    JsonNode row = rows.get(r);
                    List<String> cells = new ArrayList<>();
                    for (String k : keys) {
                        cells.add(cut(cell(row.get(k), f), ascii));
                    }
                    table.add(cells);
                }
                out.append(clean("step " + (i + 1) + " " + StepOrigins.label(s) + ": " + e.getKey(), ascii))
                        .append('\n');
                table.render(out, ascii ? '-' : '\u2500');
                if (rows.size() > shown) {
                    int more = rows.size() - shown;
                    out.append("  ").append(more).append(more == 1 ? " more row" : " more rows")
                            .append(" in the JSON report\n");
                }
            }
        }
    }

    private static boolean allObjects(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isObject()) {
                return false;
            }
        }
        return true;
    }

    /** Right-align a column whose present values are all numbers. */
    private static boolean numeric(JsonNode rows, String key) {
        for (JsonNode r : rows) {
            JsonNode v = r.get(key);
            if (v != null && !v.isNull() && !v.isNumber()) {
                return false;
            }
        }
        return true;
    }

    /** Integers as they are, other numbers with 4 significant digits, lists joined, nested objects as JSON. */
    static String cell(JsonNode v, ReportFormat f) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return f.absent();
        }
        if (v.isIntegralNumber()) {
            return v.asText();
        }
        if (v.isNumber()) {
            double d = v.asDouble();
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return Long.toString((long) d);
            }
            double abs = Math.abs(d);
            String text = abs >= 1e-3 && abs < 1e6 ? String.format(Locale.ROOT, "%.4g", d)
                    : String.format(Locale.ROOT, "%.3e", d);
            return text.contains(".") && !text.contains("e") ? text.replaceAll("0+$", "").replaceAll("\\.$", "")
                    : text;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(item -> items.add(cell(item, f)));
            return String.join(",", items);
        }
        return v.toString();
    }

    private static String accuracyDrop(ReportFormat f, OptionalDouble base, OptionalDouble step) {
        if (base.isEmpty() || step.isEmpty()) {
            return f.absent();
        }
        return f.points(base.getAsDouble(), step.getAsDouble());
    }

    private static void footnotes(StringBuilder out, PipelineReport report, ReportFormat f, boolean ascii) {
        List<String> failed = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<String> skips = new ArrayList<>();
        int totalSkips = 0;
        List<StepReport> steps = report.steps();
        for (int i = 0; i < steps.size(); i++) {
            StepReport s = steps.get(i);
            for (CheckResult c : s.verdict().checks()) {
                if (!c.passed()) {
                    failed.add("  " + f.check(false) + " step " + (i + 1) + " " + StepOrigins.label(s) + " ("
                            + s.location() + "): " + c.text() + ": measured " + f.metric(c.metric(), c.measured())
                            + ", bound " + c.op() + " " + f.metric(c.metric(), c.bound()));
                }
            }
            for (String w : s.verdict().warnings()) {
                warnings.add("  " + f.verdict(PipelineReport.VerdictLevel.WARNING) + " step " + (i + 1) + " "
                        + StepOrigins.label(s) + " (" + s.location() + "): " + w);
            }
            for (String n : s.notes()) {
                notes.add("  [" + (i + 1) + "] " + s.pass() + ": " + n);
            }
            for (SkipEntry skip : s.skips()) {
                totalSkips++;
                if (skips.size() < SKIP_FOOTNOTES) {
                    skips.add("  [" + (i + 1) + "] " + s.pass() + ": " + skip.where() + ": " + skip.reason());
                }
            }
        }
        if (!failed.isEmpty()) {
            out.append("failed checks:\n");
            failed.forEach(line -> out.append(clean(line, ascii)).append('\n'));
        }
        if (!warnings.isEmpty()) {
            out.append("warnings:\n");
            warnings.forEach(line -> out.append(clean(line, ascii)).append('\n'));
        }
        if (!notes.isEmpty()) {
            out.append("notes:\n");
            notes.forEach(line -> out.append(clean(line, ascii)).append('\n'));
        }
        if (totalSkips > 0) {
            out.append("skipped (").append(totalSkips).append(totalSkips == 1 ? " place" : " places").append(")")
                    .append(totalSkips > skips.size() ? ", first " + skips.size() : "").append(":\n");
            skips.forEach(line -> out.append(clean(line, ascii)).append('\n'));
        }
    }

    static String outcomeLine(PipelineReport report, ReportFormat f) {
        String time = " in " + f.seconds(report.wallSeconds());
        return switch (report.outcome().status()) {
            case OK -> {
                String sizes = report.output()
                        .map(o -> ": " + f.bytes(report.input().bytes()) + " " + f.arrow() + " " + f.bytes(o.bytes())
                                + " (" + f.change(report.input().bytes(), o.bytes()) + "), wrote " + o.path())
                        .orElse("");
                yield clean("OK" + sizes + time + report.outcome().message().map(m -> "; " + m).orElse(""),
                        f.isAscii());
            }
            case TOLERANCE_BREACH -> clean("TOLERANCE BREACH: "
                    + report.outcome().message().orElse("a step exceeded its tolerance")
                    + "; no model written" + time, f.isAscii());
            case ERROR -> clean("ERROR: " + report.outcome().message().orElse("the run failed")
                    + "; no model written" + time, f.isAscii());
        };
    }

    private static String cut(String label, boolean ascii) {
        String clean = clean(label, ascii);
        if (clean.length() <= LABEL_WIDTH) {
            return clean;
        }
        return clean.substring(0, LABEL_WIDTH - 1) + (ascii ? "~" : "\u2026");
    }

    /**
     * User text (model paths, skip reasons, node names) may hold control characters that would move the
     * cursor or break the table; in ASCII mode anything non-ASCII is replaced too.
     */
    static String clean(String s, boolean ascii) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp == '\t' || cp == '\n' || cp == '\r') {
                b.append(' ');
            } else if (Character.isISOControl(cp) || (ascii && cp > 126)) {
                b.append('?');
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }
}
