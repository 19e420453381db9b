package dev.onnxpress.pipeline;

import dev.onnxpress.analysis.OutputMetrics;
import dev.onnxpress.report.PipelineReport.Metrics;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How far a model's outputs are from reference outputs on the same evaluation data.
 *
 * <ul>
 *   <li>{@code max_abs_error} = max |a − b| over every value of every output;</li>
 *   <li>{@code max_rel_error} = max |a − b| / max(|b|, ε), with ε = 1e-3 · max|b| over that output
 *       (floored at 1e-12): relative error of values near zero would otherwise be meaningless noise;</li>
 *   <li>{@code cosine} = a·b / (‖a‖ ‖b‖) over all outputs flattened into one vector (1 when both are 0, {@link OutputMetrics#cosine});</li>
 *   <li>{@code top1_agreement}: share of rows whose argmax along the last axis of the first output agrees,
 *       when that output looks like a classifier's ({@code [N, C]});</li>
 *   <li>{@code accuracy}: share of rows whose argmax equals the label, when labels are known.</li>
 * </ul>
 * Metrics are computed on the positions where both values are finite: a NaN or infinity where the
 * reference has the same one is agreement, and one where the reference is finite (or the reverse) is the
 * business of {@link NonFinite}, which breaches the step and names the output. When no position is finite
 * in both but some differ in finiteness, nothing was measured: the metrics are NaN, and a NaN never
 * satisfies a check.
 */
final class Fidelity {
    static final double RELATIVE_EPS = 1e-3;

    private Fidelity() {
    }

    static Metrics compare(Outputs actual, Outputs reference, Optional<int[]> labels) {
        double maxAbs = 0;
        double maxRel = 0;
        double dot = 0;
        double na = 0;
        double nb = 0;
        long compared = 0;
        long mismatched = 0;
        for (Map.Entry<String, float[]> e : reference.values().entrySet()) {
            float[] b = e.getValue();
            float[] a = actual.values().get(e.getKey());
            if (a == null || a.length != b.length) {
                throw new dev.onnxpress.error.InternalException("output '" + e.getKey() + "' changed size: "
                        + (a == null ? "missing" : a.length + " values") + " instead of " + b.length, null);
            }
            double scale = 0;
            for (float x : b) {
                if (Float.isFinite(x)) {
                    scale = Math.max(scale, Math.abs(x));
                }
            }
            double eps = Math.max(1e-12, RELATIVE_EPS * scale);
            for (int i = 0; i < b.length; i++) {
                if (!Float.isFinite(a[i]) || !Float.isFinite(b[i])) {
                    mismatched += NonFinite.sameKind(a[i], b[i]) ? 0 : 1;
                    continue;
                }
                compared++;
                double d = Math.abs((double) a[i] - b[i]);
                maxAbs = Math.max(maxAbs, d);
                maxRel = Math.max(maxRel, d / Math.max(Math.abs(b[i]), eps));
                dot += (double) a[i] * b[i];
                na += (double) a[i] * a[i];
                nb += (double) b[i] * b[i];
            }
        }
        double cosine = OutputMetrics.cosine(dot, na, nb);
        if (compared == 0 && mismatched > 0) {
            // not one position where both are finite: nothing was measured, and no check may pass on it
            maxAbs = Double.NaN;
            maxRel = Double.NaN;
            cosine = Double.NaN;
        }
        OptionalDouble top1 = OptionalDouble.empty();
        OptionalDouble accuracy = OptionalDouble.empty();
        int[] pa = actual.predictions();
        int[] pb = reference.predictions();
        if (pa.length > 0 && pa.length == pb.length) {
            int same = 0;
            for (int i = 0; i < pa.length; i++) {
                same += pa[i] == pb[i] ? 1 : 0;
            }
            top1 = OptionalDouble.of((double) same / pa.length);
        }
        accuracy = accuracy(actual, labels);
        return new Metrics(maxAbs, maxRel, cosine, top1, accuracy);
    }

    static OptionalDouble accuracy(Outputs outputs, Optional<int[]> labels) {
        int[] p = outputs.predictions();
        if (labels.isEmpty() || p.length == 0 || p.length != labels.get().length) {
            return OptionalDouble.empty();
        }
        int[] l = labels.get();
        int correct = 0;
        for (int i = 0; i < p.length; i++) {
            correct += p[i] == l[i] ? 1 : 0;
        }
        return OptionalDouble.of((double) correct / p.length);
    }
}
