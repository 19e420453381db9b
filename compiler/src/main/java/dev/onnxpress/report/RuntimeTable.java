package dev.onnxpress.report;

import dev.onnxpress.report.PipelineReport.RuntimeResult;
import dev.onnxpress.report.PipelineReport.StepReport;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The terminal table of a run verified on deployment runtimes: per step, fidelity in ONNX Runtime beside
 * fidelity in each runtime (both against the original model in ONNX Runtime), and the runtime's error
 * when it could not load or run the step's model.
 */
final class RuntimeTable {
    private static final int ERROR_WIDTH = 90;

    private RuntimeTable() {
    }

    static void render(StringBuilder out, PipelineReport report, ReportFormat f, boolean ascii) {
        Set<String> runtimes = new LinkedHashSet<>(report.baselineByRuntime().keySet());
        report.steps().forEach(s -> runtimes.addAll(s.byRuntime().keySet()));
        for (String rt : runtimes) {
            TextTable t = new TextTable(List.of(new TextTable.Column("#", true), new TextTable.Column("step", false),
                    new TextTable.Column("ort max_abs", true), new TextTable.Column("ort cosine", true),
                    new TextTable.Column(rt + " max_abs", true), new TextTable.Column(rt + " cosine", true),
                    new TextTable.Column(rt + " top1", true), new TextTable.Column("ok", false),
                    new TextTable.Column(rt + " error", false)));
            RuntimeResult base = report.baselineByRuntime().get(rt);
            if (base != null) {
                t.add(row(f, "0", "input (baseline)", "", "", base, false));
            }
            List<StepReport> steps = report.steps();
            for (int i = 0; i < steps.size(); i++) {
                StepReport s = steps.get(i);
                RuntimeResult r = s.byRuntime().get(rt);
                if (r != null) {
                    t.add(row(f, Integer.toString(i + 1), StepOrigins.label(s), f.error(s.metrics().maxAbsError()),
                            f.cosine(s.metrics().cosine()), r, true));
                }
            }
            out.append('\n').append("in ").append(description(report, rt)).append(", against the original in ONNX")
                    .append(" Runtime:\n");
            t.render(out, ascii ? '-' : '\u2500');
        }
    }

    private static String description(PipelineReport report, String rt) {
        RuntimeResult any = report.baselineByRuntime().get(rt);
        return any != null ? any.description() : rt;
    }

    private static List<String> row(ReportFormat f, String n, String label, String ortAbs, String ortCos,
                                    RuntimeResult r, boolean judged) {
        String error = r.error().map(e -> (judged && r.inherited() ? "(as before) " : "") + cut(e)).orElse("");
        return List.of(n, label, ortAbs, ortCos,
                r.metrics().map(m -> f.error(m.maxAbsError())).orElse("–"),
                r.metrics().map(m -> f.cosine(m.cosine())).orElse("–"),
                r.metrics().map(m -> f.percent(m.top1Agreement())).orElse("–"),
                r.error().isPresent() && r.inherited() ? "–"
                        : judged || !r.checks().isEmpty() ? f.check(r.passed() && r.error().isEmpty()) : "", error);
    }

    private static String cut(String s) {
        return s.length() <= ERROR_WIDTH ? s : s.substring(0, ERROR_WIDTH - 1) + "…";
    }

    /** The same table as an HTML section, one per runtime. */
    static void html(StringBuilder out, PipelineReport report, ReportFormat f) {
        Set<String> runtimes = new LinkedHashSet<>(report.baselineByRuntime().keySet());
        report.steps().forEach(s -> runtimes.addAll(s.byRuntime().keySet()));
        for (String rt : runtimes) {
            out.append("<section>\n<h2>In ").append(HtmlText.escape(description(report, rt)))
                    .append("</h2>\n<p class=\"muted\">Every step's model also ran in ").append(HtmlText.escape(rt))
                    .append(", compared with the original model in ONNX Runtime (ONNX Runtime's own figures beside).")
                    .append("</p>\n<div class=\"scroll\"><table class=\"steps\">\n<thead><tr>");
            for (String h : List.of("#", "step", "ort max_abs", "ort cosine", rt + " max_abs", rt + " cosine",
                    rt + " top1", "ok", rt + " error")) {
                out.append("<th>").append(HtmlText.escape(h)).append("</th>");
            }
            out.append("</tr></thead>\n<tbody>\n");
            RuntimeResult base = report.baselineByRuntime().get(rt);
            if (base != null) {
                htmlRow(out, row(f, "0", "input (baseline)", "", "", base, false));
            }
            for (int i = 0; i < report.steps().size(); i++) {
                StepReport s = report.steps().get(i);
                RuntimeResult r = s.byRuntime().get(rt);
                if (r != null) {
                    List<String> cells = new java.util.ArrayList<>(row(f, Integer.toString(i + 1),
                            StepOrigins.label(s), f.error(s.metrics().maxAbsError()), f.cosine(s.metrics().cosine()),
                            r, true));
                    cells.set(8, r.error().map(e -> (r.inherited() ? "(as before) " : "") + e).orElse(""));
                    htmlRow(out, cells);
                }
            }
            out.append("</tbody></table></div>\n</section>\n");
        }
    }

    private static void htmlRow(StringBuilder out, List<String> cells) {
        out.append("<tr>");
        for (String c : cells) {
            out.append("<td>").append(HtmlText.escape(c)).append("</td>");
        }
        out.append("</tr>\n");
    }
}
