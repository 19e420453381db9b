package dev.onnxpress.passes.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The KL threshold search on hand-made |x| histograms (2048 bins, counts from closed-form densities at
 * the bin centres), against the thresholds TensorRT's entropy calibration picks for the same histograms:
 * the expected values were computed by an independent transcription of ONNX Runtime's
 * {@code get_entropy_threshold} (MXNet's {@code _get_optimal_threshold}) for an |x| histogram, in Python.
 * Then the guard: where the KL threshold would clip a meaningful tail (more than 0.01% of the values, or
 * more expected error than the full range) it moves toward the full range, and only there.
 */
class EntropyThresholdTest {
    static final int BINS = 2048;
    static final int LEVELS = 128;

    /** |N(0, 1)| with n values over [0, range). */
    static long[] gaussian(double range, double n) {
        double w = range / BINS;
        long[] h = new long[BINS];
        for (int b = 0; b < BINS; b++) {
            double x = (b + 0.5) * w;
            h[b] = (long) Math.floor(n * w * Math.sqrt(2 / Math.PI) * Math.exp(-x * x / 2) + 0.5);
        }
        return h;
    }

    /** |Student t with 3 degrees of freedom| (tails ∝ x⁻⁴) with n values over [0, range). */
    static long[] studentT3(double range, double n) {
        double w = range / BINS;
        long[] h = new long[BINS];
        for (int b = 0; b < BINS; b++) {
            double x = (b + 0.5) * w;
            h[b] = (long) Math.floor(n * w * 2 * 6 * Math.sqrt(3) / (Math.PI * Math.pow(3 + x * x, 2)) + 0.5);
        }
        return h;
    }

    /** A sharp peak at 0 (exponential, scale of {@code scaleBins} bins) and a uniform tail holding {@code tail}. */
    static long[] peakAndTail(double range, double scaleBins, double tail, double n) {
        double w = range / BINS;
        long[] h = new long[BINS];
        for (int b = 0; b < BINS; b++) {
            double x = (b + 0.5) * w;
            h[b] = (long) Math.floor((1 - tail) * n * w / (scaleBins * w) * Math.exp(-x / (scaleBins * w))
                    + tail * n / BINS + 0.5);
        }
        return h;
    }

    static int lastBin(long[] h) {
        int last = h.length - 1;
        while (h[last] == 0) {
            last--;
        }
        return last;
    }

    static double clippedShare(long[] h, double w, double t) {
        long total = 0;
        long beyond = 0;
        for (int b = 0; b < h.length; b++) {
            total += h[b];
            beyond += (b + 0.5) * w > t ? h[b] : 0;
        }
        return beyond / (double) total;
    }

    @Test
    void gaussianMatchesTensorRt() {
        long[] h = gaussian(8, 1e8);
        double w = 8.0 / BINS;
        // TensorRT / ONNX Runtime: 4.953125 (bin 1268 of 2048; the data ends at bin 1322)
        assertThat(EntropyThreshold.klThreshold(h, w, LEVELS)).isCloseTo(4.953125, within(w));
        assertThat(EntropyThreshold.of(h, w, LEVELS)).isCloseTo(4.953125, within(w));
        assertThat(lastBin(h) + 1).isEqualTo(1322);
    }

    @Test
    void heavyTailMatchesTensorRt() {
        long[] h = studentT3(100, 1e8);
        double w = 100.0 / BINS;
        // TensorRT / ONNX Runtime: 24.951172 (bin 511 of 2048; the data ends at bin 1836), which clips 0.014%
        // of the values: the guard raises it just enough to clip at most 0.01%, far below the full range
        assertThat(EntropyThreshold.klThreshold(h, w, LEVELS)).isCloseTo(24.951172, within(w));
        assertThat(clippedShare(h, w, 24.951172)).isGreaterThan(EntropyThreshold.MAX_CLIPPED_SHARE);
        double guarded = EntropyThreshold.of(h, w, LEVELS);
        assertThat(guarded).isGreaterThan(24.951172 + w).isLessThan(32);
        assertThat(clippedShare(h, w, guarded)).isLessThanOrEqualTo(EntropyThreshold.MAX_CLIPPED_SHARE);
        assertThat(clippedShare(h, w, guarded - 2 * w)).isGreaterThan(EntropyThreshold.MAX_CLIPPED_SHARE);
    }

    @Test
    void aLargeOutlierIsClippedAsTensorRtDoes() {
        long[] h = gaussian(60, 1e6);
        h[BINS - 1] += 3;
        double w = 60.0 / BINS;
        // TensorRT / ONNX Runtime: 4.21875 (bin 144): three values at 60 are clipped; a range up to 60 would
        // make the step 14x coarser for the other million values, which costs more than clipping them
        assertThat(EntropyThreshold.klThreshold(h, w, LEVELS)).isCloseTo(4.21875, within(w));
        assertThat(EntropyThreshold.of(h, w, LEVELS)).isCloseTo(4.21875, within(w));
    }

    @Test
    void aMeaningfulTailBeyondTheKlThresholdMovesTheThresholdTowardTheFullRange() {
        long[] h = peakAndTail(16, 2, 0.03, 1e6);
        double w = 16.0 / BINS;
        double kl = EntropyThreshold.klThreshold(h, w, LEVELS);
        // KL keeps the sharp peak's shape and clips 2.7% of the values (up to 14 units away)
        assertThat(kl).isLessThan(2.5);
        assertThat(clippedShare(h, w, kl)).isGreaterThan(0.02);
        double guarded = EntropyThreshold.of(h, w, LEVELS);
        assertThat(guarded).isGreaterThan(15).isLessThanOrEqualTo(16);
        int klBins = (int) Math.round(kl / w);
        int guardedBins = (int) Math.round(guarded / w);
        int fullBins = lastBin(h) + 1;
        double atKl = EntropyThreshold.expectedSquaredError(h, w, klBins, LEVELS);
        double atGuard = EntropyThreshold.expectedSquaredError(h, w, guardedBins, LEVELS);
        double atFull = EntropyThreshold.expectedSquaredError(h, w, fullBins, LEVELS);
        assertThat(atGuard).isLessThanOrEqualTo(atFull).isLessThan(atKl);
    }

    @Test
    void expectedErrorAddsClippingAndRounding() {
        long[] h = new long[BINS];
        h[0] = 100; // centre 0.5
        h[9] = 2; // centre 9.5
        // threshold at 4 (bin edge 4): 100 values rounded with step 4/128, 2 clipped by 5.5
        double e = EntropyThreshold.expectedSquaredError(h, 1.0, 4, LEVELS);
        double step = 4.0 / LEVELS;
        assertThat(e).isCloseTo(100 * step * step / 12 + 2 * 5.5 * 5.5, within(1e-9));
    }

    @Test
    void emptyAndNarrowHistograms() {
        assertThat(EntropyThreshold.of(new long[BINS], 0.1, LEVELS)).isZero();
        long[] narrow = new long[64];
        narrow[10] = 5;
        assertThat(EntropyThreshold.of(narrow, 1.0, LEVELS)).isEqualTo(64.0);
    }
}
