package dev.onnxpress.passes.quant;

/**
 * The 8-bit calibration threshold published by NVIDIA (Migacz, "8-bit Inference with TensorRT", 2017):
 * over a histogram of |x|, for every candidate threshold bin i in [levels, bins] take the reference
 * distribution P = hist[0:i] with everything beyond i clipped into its last bin, quantize hist[0:i] into
 * {@code levels} merged bins and expand them back over the non-empty bins to get Q, and pick the i with
 * the smallest KL(P‖Q). The threshold is the upper edge of bin i−1.
 */
public final class EntropyThreshold {
    private EntropyThreshold() {
    }

    /** The threshold in the histogram's units; {@code binWidth} is the width of one bin. */
    public static double of(long[] hist, double binWidth, int levels) {
        int bins = hist.length;
        if (bins <= levels) {
            return bins * binWidth;
        }
        long total = 0;
        int last = 0;
        for (int b = 0; b < bins; b++) {
            total += hist[b];
            if (hist[b] > 0) {
                last = b;
            }
        }
        if (total == 0) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        int bestI = bins;
        long tail = 0;
        for (int b = levels; b < bins; b++) {
            tail += hist[b];
        }
        double[] p = new double[bins];
        double[] q = new double[bins];
        for (int i = levels; i <= bins; i++) {
            if (i > levels) {
                tail -= hist[i - 1];
            }
            if (i > last + 1) {
                break; // every later candidate sees the same P and Q (nothing beyond 'last')
            }
            for (int b = 0; b < i; b++) {
                p[b] = hist[b];
            }
            p[i - 1] += tail;
            // merge hist[0:i] into 'levels' bins, spread each merged count over its non-empty bins
            for (int j = 0; j < levels; j++) {
                int start = (int) ((long) j * i / levels);
                int end = (int) ((long) (j + 1) * i / levels);
                double sum = 0;
                int nonEmpty = 0;
                for (int b = start; b < end; b++) {
                    sum += hist[b];
                    nonEmpty += hist[b] > 0 ? 1 : 0;
                }
                for (int b = start; b < end; b++) {
                    q[b] = hist[b] > 0 ? sum / nonEmpty : 0;
                }
            }
            double kl = divergence(p, q, i);
            if (kl < best) {
                best = kl;
                bestI = i;
            }
        }
        return bestI * binWidth;
    }

    /** KL(P‖Q) over the first n bins, both normalised; a Q of 0 where P is not gets a tiny mass. */
    static double divergence(double[] p, double[] q, int n) {
        double sp = 0;
        double sq = 0;
        for (int b = 0; b < n; b++) {
            sp += p[b];
            sq += q[b];
        }
        if (sp == 0 || sq == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double kl = 0;
        for (int b = 0; b < n; b++) {
            if (p[b] > 0) {
                double pn = p[b] / sp;
                double qn = Math.max(q[b] / sq, 1e-12);
                kl += pn * Math.log(pn / qn);
            }
        }
        return kl;
    }
}
