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

    /** Values read per block while comparing two series. */
    static final int BLOCK = 1 << 14;

    static Metrics compare(Outputs actual, Outputs reference, Optional<int[]> labels) {
        double maxAbs = 0;
        double maxRel = 0;
        double dot = 0;
        double na = 0;
        double nb = 0;
        long compared = 0;
        long mismatched = 0;
        float[] a = new float[BLOCK];
        float[] b = new float[BLOCK];
        for (Map.Entry<String, FloatSeries> e : reference.series().entrySet()) {
            FloatSeries bs = e.getValue();
            FloatSeries as = actual.series(e.getKey());
            if (as == null || as.length() != bs.length()) {
                throw new dev.onnxpress.error.InternalException("output '" + e.getKey() + "' changed size: "
                        + (as == null ? "missing" : as.length() + " values") + " instead of " + bs.length(), null);
            }
            double scale = bs.maxAbsFinite;
            double eps = Math.max(1e-12, RELATIVE_EPS * scale);
            FloatSeries.Reader ra = as.reader();
            FloatSeries.Reader rb = bs.reader();
            int n;
            while ((n = rb.readFully(b, 0, BLOCK)) > 0) {
                ra.readFully(a, 0, n);
                for (int i = 0; i < n; i++) {
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
        }
        double cosine = OutputMetrics.cosine(dot, na, nb);
        if (compared == 0 && mismatched > 0) {
            // not one position where both are finite: nothing was measured, and no check may pass on it
            maxAbs = Double.NaN;
            maxRel = Double.NaN;
            cosine = Double.NaN;
        }
        OptionalDouble top1 = OptionalDouble.empty();
        OptionalDouble discordance = OptionalDouble.empty();
        long rows = rows(actual);
        if (rows > 0 && rows == rows(reference)) {
            Optional<int[]> l = labels.filter(x -> x.length == rows);
            long[] counts = agreeing(actual, reference, rows, l);
            top1 = OptionalDouble.of((double) counts[0] / rows);
            if (l.isPresent()) {
                discordance = OptionalDouble.of((double) counts[1] / rows);
            }
        }
        return new Metrics(maxAbs, maxRel, cosine, top1, accuracy(actual, labels), discordance);
    }

    /** Rows of the first output when it looks like a classifier's, else 0. */
    static long rows(Outputs o) {
        FloatSeries s = o.classifier();
        return s == null ? 0 : s.length() / o.classes();
    }

    /**
     * Rows whose argmax agrees between the two classifier outputs, and (with labels) rows where exactly one of
     * the two is right, read block by block.
     */
    private static long[] agreeing(Outputs actual, Outputs reference, long rows, Optional<int[]> labels) {
        int perBlock = Math.max(1, BLOCK / Math.max(actual.classes(), reference.classes()));
        Argmaxes pa = new Argmaxes(actual, perBlock);
        Argmaxes pb = new Argmaxes(reference, perBlock);
        long same = 0;
        long discordant = 0;
        int[] l = labels.orElse(null);
        for (long r = 0; r < rows; ) {
            int[] xa = pa.next();
            int[] xb = pb.next();
            int n = Math.min(xa.length, xb.length);
            for (int i = 0; i < n; i++) {
                same += xa[i] == xb[i] ? 1 : 0;
                if (l != null) {
                    int label = l[(int) r + i];
                    discordant += (xa[i] == label) != (xb[i] == label) ? 1 : 0;
                }
            }
            r += n;
            if (n == 0) {
                break;
            }
        }
        return new long[] {same, discordant};
    }

    /** Argmax of each row of a classifier output, a block of rows at a time. */
    private static final class Argmaxes {
        private final FloatSeries.Reader reader;
        private final int classes;
        private final float[] block;

        Argmaxes(Outputs o, int rowsPerBlock) {
            this.reader = o.classifier().reader();
            this.classes = o.classes();
            this.block = new float[rowsPerBlock * classes];
        }

        int[] next() {
            int n = reader.readFully(block, 0, block.length);
            return OutputMetrics.argmaxRows(n == block.length ? block : java.util.Arrays.copyOf(block, n), classes);
        }
    }

    static OptionalDouble accuracy(Outputs outputs, Optional<int[]> labels) {
        long rows = rows(outputs);
        if (labels.isEmpty() || rows == 0 || rows != labels.get().length) {
            return OptionalDouble.empty();
        }
        int[] l = labels.get();
        Argmaxes p = new Argmaxes(outputs, Math.max(1, BLOCK / outputs.classes()));
        int correct = 0;
        int at = 0;
        while (at < l.length) {
            int[] x = p.next();
            if (x.length == 0) {
                break;
            }
            for (int i = 0; i < x.length; i++) {
                correct += x[i] == l[at + i] ? 1 : 0;
            }
            at += x.length;
        }
        return OptionalDouble.of((double) correct / l.length);
    }
}
