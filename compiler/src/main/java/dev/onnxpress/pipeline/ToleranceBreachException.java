package dev.onnxpress.pipeline;

import dev.onnxpress.error.OnnxpressException;
import dev.onnxpress.report.PipelineReport;

/**
 * A step's output left its tolerance: the run stops, no model is written, the report (carried here)
 * still is. Message: {@code recipe.txt:9:1: prune_channels(ratio=50%): top1_agreement 0.912 < 0.98}.
 */
public class ToleranceBreachException extends OnnxpressException {
    private final transient PipelineReport report;

    public ToleranceBreachException(String message, PipelineReport report) {
        super(message, null);
        this.report = report;
    }

    public PipelineReport report() {
        return report;
    }

    @Override
    public int exitCode() {
        return 1;
    }
}
