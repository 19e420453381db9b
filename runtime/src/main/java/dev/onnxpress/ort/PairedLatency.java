package dev.onnxpress.ort;

import java.util.Arrays;

/**
 * Latency measured like a benchmark tool: warm-up, then rounds that time the original and the candidate
 * model back to back (alternating which goes first, so drifts in clock speed or cache state hit both
 * alike), until the 95 % interval of the median per-round ratio is tight or a time cap is hit.
 *
 * <p>Each round yields one ratio candidate/original; the median of these ratios is the estimate, and its
 * interval comes from order statistics (the distribution-free interval of a median: ranks
 * n/2 ± 1.96·√n/2), so no assumption about the shape of the timing noise is made. The result is "≈ same"
 * when that interval contains 1 or the difference is below the mode's noise level. One sample of a
 * tiny model is run several times back to back per timed sample ({@link LatencyMode#batchNanos()}). A timer
 * over several samples ({@link OrtRunner#timer(java.util.List)}) runs each of them once per cycle and every
 * round runs whole cycles, so a model whose work depends on its input is timed by its mean over the samples.
 */
public final class PairedLatency {
    /** Below this many rounds the order-statistic interval at 95 % does not exist. */
    static final int MIN_ROUNDS_FOR_INTERVAL = 8;

    private PairedLatency() {
    }

    /** Times both models in interleaved rounds. */
    public static LatencyComparison compare(OrtRunner.Timer original, OrtRunner.Timer candidate, LatencyMode mode) {
        if (mode.off()) {
            throw new IllegalArgumentException("latency is off");
        }
        double singleA = warmUp(original, mode);
        double singleB = warmUp(candidate, mode);
        // every round runs each sample of the timers' cycle equally often (a whole number of cycles)
        int cycle = Math.max(original.cycle(), candidate.cycle());
        int reps = cycles(reps(Math.max(singleA, singleB), mode), cycle);
        int max = mode.maxRounds();
        double[] a = new double[max];
        double[] b = new double[max];
        double[] ratio = new double[max];
        long start = System.nanoTime();
        int n = 0;
        while (n < max) {
            long ta;
            long tb;
            if (n % 2 == 0) {
                ta = original.runNanos(reps);
                tb = candidate.runNanos(reps);
            } else {
                tb = candidate.runNanos(reps);
                ta = original.runNanos(reps);
            }
            a[n] = ta / 1e6 / reps;
            b[n] = tb / 1e6 / reps;
            ratio[n] = (double) tb / Math.max(1, ta);
            n++;
            if (n >= mode.minRounds() && (System.nanoTime() - start >= mode.capNanos() || tight(ratio, n, mode))) {
                break;
            }
        }
        double[] r = sorted(ratio, n);
        double med = median(r);
        double[] ci = interval(r);
        double[] bs = sorted(b, n);
        double spread = (percentile(bs, 75) - percentile(bs, 25)) / median(bs);
        LatencyComparison.Verdict verdict;
        if (ci == null) {
            verdict = LatencyComparison.Verdict.UNCERTAIN;
        } else if (ci[0] <= 1 && 1 <= ci[1] || Math.abs(med - 1) <= mode.noise()) {
            verdict = LatencyComparison.Verdict.SAME;
        } else {
            verdict = med < 1 ? LatencyComparison.Verdict.FASTER : LatencyComparison.Verdict.SLOWER;
        }
        double low = ci == null ? Double.NaN : 1 / ci[1];
        double high = ci == null ? Double.NaN : 1 / ci[0];
        return new LatencyComparison(median(sorted(a, n)), median(bs), 1 / med, low, high, spread, n, verdict);
    }

    /** One model alone: median time of one run and the spread, rounds as in {@link #compare}. */
    public static LatencyStats measure(OrtRunner.Timer timer, LatencyMode mode) {
        if (mode.off()) {
            throw new IllegalArgumentException("latency is off");
        }
        int reps = cycles(reps(warmUp(timer, mode), mode), timer.cycle());
        long[] nanos = new long[mode.maxRounds()];
        double[] ms = new double[nanos.length];
        long start = System.nanoTime();
        int n = 0;
        while (n < nanos.length) {
            nanos[n] = timer.runNanos(reps) / reps;
            ms[n] = nanos[n];
            n++;
            if (n >= mode.minRounds() && (System.nanoTime() - start >= mode.capNanos() || tight(ms, n, mode))) {
                break;
            }
        }
        return LatencyStats.ofNanos(Arrays.copyOf(nanos, n));
    }

    /** Runs until warm; returns the time of one run in the last warm-up runs, ms. */
    private static double warmUp(OrtRunner.Timer t, LatencyMode mode) {
        long start = System.nanoTime();
        int runs = 0;
        long last = 0;
        while (runs < 3 || System.nanoTime() - start < mode.warmupNanos()) {
            last = t.runNanos(1);
            runs++;
            if (runs >= 3 && System.nanoTime() - start > mode.capNanos() / 4) {
                break;
            }
        }
        return Math.max(last, 1) / 1e6;
    }

    private static int reps(double singleMs, LatencyMode mode) {
        double want = mode.batchNanos() / 1e6;
        return (int) Math.max(1, Math.min(1000, Math.ceil(want / singleMs)));
    }

    /** {@code reps} rounded up to a whole number of cycles of {@code cycle} samples. */
    static int cycles(int reps, int cycle) {
        return cycle <= 1 ? reps : (int) Math.min(Integer.MAX_VALUE, ((long) reps + cycle - 1) / cycle * cycle);
    }

    private static boolean tight(double[] values, int n, LatencyMode mode) {
        double[] s = sorted(values, n);
        double[] ci = interval(s);
        if (ci == null) {
            return false;
        }
        double med = median(s);
        return (ci[1] - ci[0]) / 2 <= mode.halfWidth() * med;
    }

    /** The 95 % distribution-free interval of the median of sorted values, or null below 8 values. */
    static double[] interval(double[] sorted) {
        int n = sorted.length;
        if (n < MIN_ROUNDS_FOR_INTERVAL) {
            return null;
        }
        double half = 1.959964 * Math.sqrt(n) / 2;
        int lo = (int) Math.floor(n / 2.0 - half);          // 1-based rank
        int hi = (int) Math.ceil(n / 2.0 + half + 1);       // 1-based rank
        lo = Math.max(1, lo);
        hi = Math.min(n, hi);
        return new double[] {sorted[lo - 1], sorted[hi - 1]};
    }

    private static double[] sorted(double[] v, int n) {
        double[] s = Arrays.copyOf(v, n);
        Arrays.sort(s);
        return s;
    }

    static double median(double[] sorted) {
        return percentile(sorted, 50);
    }

    private static double percentile(double[] sorted, double p) {
        return LatencyStats.percentile(sorted, p);
    }
}
