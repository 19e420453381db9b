package dev.onnxpress.pipeline;

import dev.onnxpress.report.PipelineReport.CheckResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a model's outputs are non-finite (NaN, ±inf) and the reference's are not, or the reverse. A NaN
 * or infinity at the same position as in the reference (the same infinity) is agreement: a model whose
 * own output holds NaN is not broken by a step that keeps it. Every other difference in finiteness is a
 * breach, whatever the error metrics say (they are computed on the positions where both are finite).
 */
final class NonFinite {
    /** The metric name of the check in the reports. */
    static final String METRIC = "non_finite_values";

    private NonFinite() {
    }

    /** One output where finiteness differs: how many values, the first flat index, the two values there. */
    record Mismatch(String output, long count, long firstIndex, float actual, float reference) {
        String text() {
            return "output '" + output + "': " + count + (count == 1 ? " value is " : " values are ")
                    + "non-finite where the original's are not, or the reverse (first at index " + firstIndex
                    + ": " + actual + ", original " + reference + ")";
        }
    }

    /** True when {@code a} and {@code b} agree on being NaN / the same infinity / finite. */
    static boolean sameKind(float a, float b) {
        boolean fa = Float.isFinite(a);
        boolean fb = Float.isFinite(b);
        if (fa && fb) {
            return true;
        }
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Float.isNaN(a) && Float.isNaN(b);
        }
        return a == b; // the same infinity (a finite value against an infinity is not)
    }

    static List<Mismatch> compare(Outputs actual, Outputs reference) {
        List<Mismatch> out = new ArrayList<>();
        float[] a = new float[Fidelity.BLOCK];
        float[] b = new float[Fidelity.BLOCK];
        for (Map.Entry<String, FloatSeries> e : reference.series().entrySet()) {
            FloatSeries as = actual.series(e.getKey());
            if (as == null) {
                continue;
            }
            FloatSeries.Reader ra = as.reader();
            FloatSeries.Reader rb = e.getValue().reader();
            long count = 0;
            long first = -1;
            float firstA = 0;
            float firstB = 0;
            long at = 0;
            int n;
            while ((n = rb.readFully(b, 0, Fidelity.BLOCK)) > 0) {
                n = ra.readFully(a, 0, n);
                if (n == 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    if (!sameKind(a[i], b[i])) {
                        if (first < 0) {
                            first = at + i;
                            firstA = a[i];
                            firstB = b[i];
                        }
                        count++;
                    }
                }
                at += n;
            }
            if (count > 0) {
                out.add(new Mismatch(e.getKey(), count, first, firstA, firstB));
            }
        }
        return out;
    }

    /**
     * The check every verified step is held to: values finite exactly where the original's are. Its text
     * names the first output that breaks it, the count and the first index, so the breach message does.
     */
    static CheckResult check(Outputs actual, Outputs reference) {
        List<Mismatch> m = compare(actual, reference);
        long total = m.stream().mapToLong(Mismatch::count).sum();
        String text = "outputs finite where the original's are";
        if (!m.isEmpty()) {
            text += ": " + m.get(0).text() + (m.size() > 1 ? " (and " + (m.size() - 1) + " more outputs)" : "");
        }
        return new CheckResult(text, METRIC, "original", "<=", 0, total, total == 0);
    }
}
