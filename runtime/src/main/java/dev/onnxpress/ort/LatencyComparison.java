package dev.onnxpress.ort;

/**
 * An original and a candidate model timed in the same interleaved rounds ({@link PairedLatency}).
 *
 * @param originalMs    median time of one run of the original model, ms
 * @param candidateMs   median time of one run of the candidate, ms
 * @param speedup       original / candidate from the median of the per-round ratios: above 1 is faster
 * @param speedupLow    lower end of the 95 % interval of {@code speedup}
 * @param speedupHigh   upper end of it
 * @param spread        the candidate's interquartile range relative to its median (run-to-run noise)
 * @param rounds        timed rounds
 * @param verdict       what the figures support
 */
public record LatencyComparison(double originalMs, double candidateMs, double speedup, double speedupLow,
                                double speedupHigh, double spread, int rounds, Verdict verdict) {

    public enum Verdict {
        /** Faster beyond the interval and beyond noise. */
        FASTER,
        /** Slower beyond the interval and beyond noise. */
        SLOWER,
        /** The interval contains 1, or the difference is within noise: reported as "≈ same". */
        SAME,
        /** Too few rounds for an interval: the ratio is shown, but neither a gain nor a loss is claimed. */
        UNCERTAIN;

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Whether the result is a measured difference, not noise. */
    public boolean significant() {
        return verdict == Verdict.FASTER || verdict == Verdict.SLOWER;
    }
}
