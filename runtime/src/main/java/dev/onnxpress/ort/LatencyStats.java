package dev.onnxpress.ort;

import java.util.Arrays;

/** Wall-clock latency of single ORT runs, in milliseconds, over {@code iterations} timed runs. */
public record LatencyStats(int iterations, double meanMs, double medianMs, double p90Ms, double minMs, double maxMs) {

    /** Statistics of the given run times (nanoseconds). */
    public static LatencyStats ofNanos(long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no timed runs");
        }
        double[] ms = Arrays.stream(nanos).mapToDouble(n -> n / 1e6).sorted().toArray();
        double mean = Arrays.stream(ms).average().orElseThrow();
        return new LatencyStats(ms.length, mean, percentile(ms, 50), percentile(ms, 90), ms[0], ms[ms.length - 1]);
    }

    /** Linear interpolation between closest ranks of sorted values. */
    static double percentile(double[] sorted, double p) {
        double pos = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
