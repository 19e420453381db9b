package dev.onnxpress.passes.prune.magnitude;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * The value of a given rank among scores spread over many layers, without holding them all: a radix selection
 * over the scores' order-preserving 64-bit keys, 16 bits a round, each round streaming the layers' scores again;
 * once the candidates left fit a small array they are collected and sorted. The answer is the value
 * {@code Arrays.sort} of all scores would put at that rank ({@link Double#compare} order).
 */
final class GlobalThreshold {
    /** Candidates collected and sorted directly once at most this many remain. */
    static final int DIRECT = 1 << 22;

    private GlobalThreshold() {
    }

    /** The score at 0-based {@code rank} of all {@code layers}' scores in ascending order. */
    static double kth(int layers, IntFunction<double[]> scores, long rank) {
        return kth(layers, scores, rank, DIRECT);
    }

    /** As {@link #kth(int, IntFunction, long)}, sorting directly from {@code direct} candidates left. */
    static double kth(int layers, IntFunction<double[]> scores, long rank, int direct) {
        long prefix = 0;
        int known = 0; // high bits of the key fixed so far
        long below = 0; // candidates known to sort before the current prefix
        while (known < 64) {
            long[] hist = new long[1 << 16];
            int shift = 48 - known;
            long candidates = 0;
            for (int li = 0; li < layers; li++) {
                for (double v : scores.apply(li)) {
                    long key = key(v);
                    if (matches(key, prefix, known)) {
                        hist[(int) ((key >>> shift) & 0xffff)]++;
                        candidates++;
                    }
                }
            }
            if (candidates <= direct && known > 0) {
                return direct(layers, scores, prefix, known, rank - below, (int) candidates);
            }
            long need = rank - below;
            int digit = 0;
            while (hist[digit] <= need) {
                need -= hist[digit];
                below += hist[digit];
                digit++;
            }
            prefix |= (long) digit << shift;
            known += 16;
        }
        return fromKey(prefix);
    }

    private static double direct(int layers, IntFunction<double[]> scores, long prefix, int known, long rank, int n) {
        long[] keys = new long[n];
        int p = 0;
        for (int li = 0; li < layers; li++) {
            for (double v : scores.apply(li)) {
                long key = key(v);
                if (matches(key, prefix, known)) {
                    keys[p++] = key;
                }
            }
        }
        // keys are unsigned-ordered: flip the sign bit to sort them as signed longs
        for (int i = 0; i < n; i++) {
            keys[i] ^= Long.MIN_VALUE;
        }
        Arrays.sort(keys);
        return fromKey(keys[(int) rank] ^ Long.MIN_VALUE);
    }

    private static boolean matches(long key, long prefix, int known) {
        return known == 0 || (key >>> (64 - known)) == (prefix >>> (64 - known));
    }

    /** A 64-bit key whose unsigned order is {@link Double#compare}'s order (NaN canonical, last). */
    static long key(double v) {
        long bits = Double.doubleToLongBits(v);
        return bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
    }

    static double fromKey(long key) {
        long bits = key < 0 ? key ^ Long.MIN_VALUE : ~key;
        return Double.longBitsToDouble(bits);
    }
}
