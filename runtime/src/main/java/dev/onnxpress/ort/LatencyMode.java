package dev.onnxpress.ort;

import java.util.Locale;

/**
 * How much time latency measurement may take ({@link PairedLatency}).
 *
 * <ul>
 *   <li>{@code OFF}: not measured;</li>
 *   <li>{@code QUICK}: at least {@value #QUICK_MIN_ROUNDS} rounds, until the 95 % interval of the median
 *       ratio is within ±5 % or 1.5 s have passed; differences under 5 % count as noise;</li>
 *   <li>{@code PRECISE}: at least 30 rounds, until the interval is within ±1.5 % or 15 s have passed;
 *       differences under 2 % count as noise.</li>
 * </ul>
 *
 * @param minRounds     rounds before the interval is first looked at
 * @param maxRounds     rounds at most
 * @param capNanos      time for the timed rounds of one measurement (warm-up not included)
 * @param halfWidth     stop once the interval's half width, relative to the median, is this small
 * @param noise         a relative difference this small is "≈ same" even with a tight interval
 * @param batchNanos    each timed sample runs the model enough times back to back to last about this long,
 *                      so timer resolution and call overhead do not dominate tiny models
 * @param warmupNanos   warm-up time per model (at least 3 runs)
 */
public record LatencyMode(String name, int minRounds, int maxRounds, long capNanos, double halfWidth, double noise,
                          long batchNanos, long warmupNanos) {
    static final int QUICK_MIN_ROUNDS = 12;

    public static final LatencyMode OFF = new LatencyMode("off", 0, 0, 0, 0, 0, 0, 0);
    public static final LatencyMode QUICK = new LatencyMode("quick", QUICK_MIN_ROUNDS, 400, 1_500_000_000L, 0.05,
            0.05, 300_000L, 30_000_000L);
    public static final LatencyMode PRECISE = new LatencyMode("precise", 30, 5_000, 15_000_000_000L, 0.015, 0.02,
            2_000_000L, 300_000_000L);

    public boolean off() {
        return maxRounds == 0;
    }

    /** {@code off}, {@code quick} or {@code precise} (any case). */
    public static LatencyMode parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "off" -> OFF;
            case "quick" -> QUICK;
            case "precise" -> PRECISE;
            default -> throw new IllegalArgumentException("latency mode '" + s + "': give off, quick or precise");
        };
    }

    /** The same mode with at most {@code rounds} timed rounds (0: off). */
    public LatencyMode withMaxRounds(int rounds) {
        if (rounds <= 0) {
            return OFF;
        }
        return new LatencyMode(name, Math.min(minRounds, rounds), rounds, capNanos, halfWidth, noise, batchNanos,
                warmupNanos);
    }

    @Override
    public String toString() {
        return name;
    }
}
