package dev.onnxpress.pipeline;

import dev.onnxpress.report.PipelineReport.CheckResult;
import dev.onnxpress.report.ReportFormat;

/** How a failed check reads in a breach message and on the outcome line. */
public final class CheckTexts {
    private CheckTexts() {
    }

    /** {@code top1_agreement 0.912 < 0.98}: the measured value, the comparison that holds, the bound. */
    public static String breach(CheckResult c) {
        if (c.metric().equals(NonFinite.METRIC)) {
            return c.text();
        }
        String ref = c.reference().equals("previous") ? " vs previous" : "";
        if (!Double.isFinite(c.measured())) {
            return c.metric() + ref + " could not be measured (" + ReportFormat.significant(c.measured()) + "): "
                    + c.text() + " does not hold";
        }
        String opposite = switch (c.op()) {
            case "<=" -> ">";
            case ">=" -> "<";
            case "<" -> ">=";
            default -> "<=";
        };
        return c.metric() + ref + " " + ReportFormat.significant(c.measured()) + " " + opposite + " "
                + ReportFormat.significant(c.bound());
    }
}
