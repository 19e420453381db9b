package dev.onnxpress.cli;

import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.report.HtmlReport;
import dev.onnxpress.report.JsonReport;
import dev.onnxpress.report.TerminalReport;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.report.PipelineReport.StepReport;
import java.io.PrintWriter;
import java.nio.file.Path;

/** What {@code run} prints and writes once the pipeline has a report. */
final class ReportOutput {
    private ReportOutput() {
    }

    /** Reports to files first (they matter most when the run failed), then the table on stdout. */
    static void write(PipelineReport report, Path json, Path html, PrintWriter out) {
        writeFiles(report, json, html);
        out.print(TerminalReport.render(report));
    }

    /** The report files the user asked for (none when both are null). */
    static void writeFiles(PipelineReport report, Path json, Path html) {
        if (json != null) {
            JsonReport.write(report, json);
        }
        if (html != null) {
            HtmlReport.write(report, html);
        }
    }

    /** One line per step, as soon as it is measured. */
    static String stepLine(StepReport s) {
        StringBuilder sb = new StringBuilder();
        sb.append(s.location()).append("  ").append(s.pass()).append('(').append(s.options()).append(')');
        s.attempt().ifPresent(a -> sb.append(" [").append(a).append(']'));
        sb.append(s.changed() ? "  changed" : "  unchanged");
        sb.append("  ").append(s.bytes()).append(" B, ").append(s.nodes()).append(" nodes, ").append(s.parameters())
                .append(" params");
        sb.append(", cosine ").append(PassManager.number(s.metrics().cosine()));
        s.metrics().accuracy().ifPresent(a -> sb.append(", accuracy ").append(PassManager.number(a)));
        sb.append(", ").append(PassManager.number(s.latencyMs())).append(" ms");
        sb.append(s.verdict().passed() ? "  ok" : "  BREACH");
        return sb.toString();
    }
}
