package dev.onnxpress.cli;

import dev.onnxpress.report.ReportFormat;
import dev.onnxpress.report.HtmlReport;
import dev.onnxpress.report.JsonReport;
import dev.onnxpress.report.ReportFiles;
import dev.onnxpress.report.TerminalReport;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.report.PipelineReport.StepReport;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What {@code run} prints and writes once the pipeline has a report. */
final class ReportOutput {
    private ReportOutput() {
    }

    /**
     * Reports to files first (they matter most when the run failed), then the table on stdout: in ASCII
     * when stdout does not encode UTF-8, where rules, arrows and check marks would turn into '?'.
     */
    static void write(PipelineReport report, Path json, Path html, PrintWriter out) {
        writeFiles(report, json, html);
        out.print(TerminalReport.render(report, !isUtf8(stdoutCharset())));
    }

    /**
     * The charset System.out encodes with: {@code stdout.encoding} (Java 18+), {@code sun.stdout.encoding}
     * (Java 17, set when stdout is a console), else the default charset, which Java 17 takes from the locale.
     */
    static Charset stdoutCharset() {
        for (String property : new String[] {"stdout.encoding", "sun.stdout.encoding"}) {
            String name = System.getProperty(property);
            if (name != null) {
                try {
                    return Charset.forName(name);
                } catch (IllegalArgumentException e) {
                    // an unknown name: fall through to the next source
                }
            }
        }
        return Charset.defaultCharset();
    }

    static boolean isUtf8(Charset c) {
        return c.equals(StandardCharsets.UTF_8);
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

    /**
     * The report files rendered and written under temporary names, to be committed together with the model:
     * a report that cannot be written fails the run before any output is in place.
     */
    static List<ReportFiles.Staged> stage(PipelineReport report, Path json, Path html) {
        List<ReportFiles.Staged> staged = new ArrayList<>();
        try {
            if (json != null) {
                staged.add(ReportFiles.stage(json, JsonReport.toJson(report), "JSON report"));
            }
            if (html != null) {
                staged.add(ReportFiles.stage(html, HtmlReport.toHtml(report), "HTML report"));
            }
            return staged;
        } catch (RuntimeException e) {
            staged.forEach(ReportFiles.Staged::close);
            throw e;
        }
    }

    /** The terminal table, in ASCII when stdout does not encode UTF-8. */
    static void printTable(PipelineReport report, PrintWriter out) {
        out.print(TerminalReport.render(report, !isUtf8(stdoutCharset())));
    }

    /** One line per step, as soon as it is measured. */
    static String stepLine(StepReport s) {
        StringBuilder sb = new StringBuilder();
        sb.append(s.location()).append("  ").append(s.pass()).append('(').append(s.options()).append(')');
        s.attempt().ifPresent(a -> sb.append(" [").append(a).append(']'));
        sb.append(s.changed() ? "  changed" : "  unchanged");
        sb.append("  ").append(s.bytes()).append(" B, ").append(s.nodes()).append(" nodes, ").append(s.parameters())
                .append(" params");
        sb.append(", cosine ").append(ReportFormat.significant(s.metrics().cosine()));
        s.metrics().accuracy().ifPresent(a -> sb.append(", accuracy ").append(ReportFormat.significant(a)));
        if (!Double.isNaN(s.latencyMs())) {
            sb.append(", ").append(ReportFormat.significant(s.latencyMs())).append(" ms");
            s.speed().filter(c -> c.verdict() == dev.onnxpress.ort.LatencyComparison.Verdict.SAME)
                    .ifPresent(c -> sb.append(" (\u2248 same)"));
        }
        sb.append(switch (s.verdict().level()) {
            case OK -> "  ok";
            case WARNING -> "  WARNING: " + String.join("; ", s.verdict().warnings());
            case BREACH -> "  BREACH";
        });
        return sb.toString();
    }
}
