package dev.onnxpress.report;

import java.util.List;

/**
 * For each step, the size of the model it started from. That is the last <em>accepted</em> step
 * before it (or the input): a rejected {@code try} attempt is thrown away, so the next attempt and
 * the step after the {@code try} both start from the model before it, and "Δ vs previous" must too.
 */
final class StepOrigins {
    private StepOrigins() {
    }

    static long[] previousBytes(PipelineReport report) {
        List<PipelineReport.StepReport> steps = report.steps();
        long[] previous = new long[steps.size()];
        long current = report.baseline().bytes();
        for (int i = 0; i < steps.size(); i++) {
            previous[i] = current;
            if (steps.get(i).verdict().passed()) {
                current = steps.get(i).bytes();
            }
        }
        return previous;
    }

    /** A short label for a step: the pass id, and the value tried when the step is a {@code try} attempt. */
    static String label(PipelineReport.StepReport step) {
        return step.attempt().map(a -> step.pass() + " [" + a + "]").orElse(step.pass());
    }
}
