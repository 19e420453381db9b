package dev.onnxpress.passes.quant;

/**
 * The 8-bit calibration threshold of NVIDIA's entropy calibration (Migacz, "8-bit Inference with
 * TensorRT", 2017; the same search ONNX Runtime's and MXNet's entropy calibrators run), with a guard
 * against the one way it hurts accuracy.
 *
 * <p>The search ({@link #klThreshold}), over a histogram of |x| whose bins all have the same width: for
 * every candidate i from {@code levels} to the number of bins, the reference distribution P is bins
 * [0, i) with everything beyond folded into its last bin (the outliers a threshold at i clips); Q is
 * bins [0, i) merged into {@code levels} equal groups (the remainder joins the last group), each group's
 * count spread evenly over the bins of the group where P is not empty. Zero bins of P and Q are smoothed
 * (ε = 10⁻⁴ moved from the non-zero bins) and the i with the smallest KL(P‖Q) wins; the threshold is the
 * upper edge of bin i − 1. Candidates past the last non-empty bin clip nothing and are not tried: the
 * threshold is then at most the largest value, which is the range any of them would give.
 *
 * <p>The guard ({@link #of}): KL measures how well the shape of the distribution survives and barely
 * weighs how many values are clipped or how far they were from the threshold. When a meaningful share of
 * the values lies beyond the KL threshold (logits, the sum of a residual Add), clipping costs more than it
 * saves. So the threshold first rises to clip at most {@value #MAX_CLIPPED_SHARE} of the values (a lone
 * outlier is still clipped, a tail is not). Then the expected squared error of the quantized tensor is
 * estimated from the histogram for a threshold T: clipping, Σ count·(|x| − T)² over the values above T,
 * plus rounding, (count below T)·s²/12 with the step s = T / levels. When that threshold's error exceeds
 * the full range's (what minmax would use), it moves up to the bin edge between it and the full range
 * with the smallest error. Entropy calibration then never expects more error on a tensor than minmax does, and a
 * lone far outlier (whose clipping costs less than the coarser step everywhere) is still clipped.
 */
public final class EntropyThreshold {
    /** Mass moved into empty bins before taking KL (the value ONNX Runtime and MXNet use). */
    static final double SMOOTHING = 1e-4;
    /** The largest share of the values a threshold may clip (the 99.99th percentile of |x| at least). */
    static final double MAX_CLIPPED_SHARE = 1e-4;

    private EntropyThreshold() {
    }

    /**
     * The guarded threshold, in the histogram's units. {@code hist} counts |x| in bins of width
     * {@code binWidth} starting at 0 (the last bin may also hold everything larger); {@code levels} is the
     * number of quantization levels over [0, T] (128 for 8 bits).
     */
    public static double of(long[] hist, double binWidth, int levels) {
        int bins = hist.length;
        int last = lastNonEmpty(hist);
        if (last < 0) {
            return 0;
        }
        int start = Math.max(klBins(hist, levels), keepAllButShare(hist, MAX_CLIPPED_SHARE));
        int full = Math.max(start, last + 1);
        double fullError = expectedSquaredError(hist, binWidth, full, levels);
        if (expectedSquaredError(hist, binWidth, start, levels) <= fullError) {
            return start * binWidth;
        }
        int best = full;
        double bestError = fullError;
        for (int i = start + 1; i < full && i <= bins; i++) {
            double e = expectedSquaredError(hist, binWidth, i, levels);
            if (e < bestError) {
                bestError = e;
                best = i;
            }
        }
        return best * binWidth;
    }

    /** The fewest bins [0, i) that leave at most {@code share} of the values beyond them. */
    static int keepAllButShare(long[] hist, double share) {
        long total = 0;
        for (long c : hist) {
            total += c;
        }
        long allowed = (long) Math.floor(total * share);
        long beyond = 0;
        int i = hist.length;
        while (i > 0 && beyond + hist[i - 1] <= allowed) {
            beyond += hist[--i];
        }
        return i;
    }

    /** The threshold of the plain KL search (no guard), in the histogram's units. */
    public static double klThreshold(long[] hist, double binWidth, int levels) {
        return lastNonEmpty(hist) < 0 ? 0 : klBins(hist, levels) * binWidth;
    }

    /**
     * Expected squared error (summed over all values) of quantizing with the threshold at the upper edge of
     * bin {@code i − 1}: values above it are clipped (each bin's values taken at its centre), values below
     * are rounded to a grid of step threshold / levels.
     */
    static double expectedSquaredError(long[] hist, double binWidth, int i, int levels) {
        double t = i * binWidth;
        double step = t / levels;
        double inside = 0;
        double clip = 0;
        for (int b = 0; b < hist.length; b++) {
            if (hist[b] == 0) {
                continue;
            }
            if (b < i) {
                inside += hist[b];
            } else {
                double d = (b + 0.5) * binWidth - t;
                clip += hist[b] * d * d;
            }
        }
        return clip + inside * step * step / 12;
    }

    private static int lastNonEmpty(long[] hist) {
        for (int b = hist.length - 1; b >= 0; b--) {
            if (hist[b] > 0) {
                return b;
            }
        }
        return -1;
    }

    /** The number of bins [0, i) the KL search keeps. */
    static int klBins(long[] hist, int levels) {
        int bins = hist.length;
        if (bins <= levels) {
            return bins;
        }
        int last = lastNonEmpty(hist);
        long tail = 0;
        for (int b = levels; b < bins; b++) {
            tail += hist[b];
        }
        double best = Double.POSITIVE_INFINITY;
        int bestI = bins;
        double[] p = new double[bins];
        double[] q = new double[bins];
        for (int i = levels; i <= bins; i++) {
            if (i > levels) {
                tail -= hist[i - 1];
            }
            if (i > last + 1) {
                // nothing is clipped any more: later candidates only add empty bins, and a threshold past
                // the largest value means the same range (callers clamp to the observed range)
                break;
            }
            for (int b = 0; b < i; b++) {
                p[b] = hist[b];
            }
            p[i - 1] += tail;
            int merged = i / levels;
            for (int j = 0; j < levels; j++) {
                int start = j * merged;
                int end = j == levels - 1 ? i : start + merged;
                double sum = 0;
                int nonEmpty = 0;
                for (int b = start; b < end; b++) {
                    sum += hist[b];
                    nonEmpty += p[b] > 0 ? 1 : 0;
                }
                for (int b = start; b < end; b++) {
                    q[b] = p[b] > 0 ? sum / nonEmpty : 0;
                }
            }
            double kl = divergence(p, q, i);
            if (kl < best) {
                best = kl;
                bestI = i;
            }
        }
        return bestI;
    }

    /**
     * KL(P‖Q) over the first n bins after smoothing both (ε into every empty bin, taken evenly from the
     * others); infinite when either has no mass.
     */
    static double divergence(double[] p, double[] q, int n) {
        int pZeros = 0;
        int qZeros = 0;
        double sp = 0;
        double sq = 0;
        for (int b = 0; b < n; b++) {
            pZeros += p[b] == 0 ? 1 : 0;
            qZeros += q[b] == 0 ? 1 : 0;
            sp += p[b];
            sq += q[b];
        }
        if (pZeros == n || qZeros == n) {
            return Double.POSITIVE_INFINITY;
        }
        // smoothing keeps each total: ε added per empty bin, the same amount taken from the others
        double pTake = SMOOTHING * pZeros / (n - pZeros);
        double qTake = SMOOTHING * qZeros / (n - qZeros);
        double kl = 0;
        for (int b = 0; b < n; b++) {
            double ps = p[b] == 0 ? SMOOTHING : p[b] - pTake;
            double qs = q[b] == 0 ? SMOOTHING : q[b] - qTake;
            if (ps <= 0) {
                continue;
            }
            if (qs <= 0) {
                return Double.POSITIVE_INFINITY;
            }
            kl += ps / sp * Math.log(ps / sp * sq / qs);
        }
        return kl;
    }
}
