package dev.onnxpress.analysis;

/**
 * The one definition of the output metrics every part of onnxpress reports: the pipeline's per-step
 * checks, {@code sensitivity}, {@code compare}/{@code eval}, the passes that measure themselves (early exits,
 * int8 top-1 checks) and the benchmarks.
 * <ul>
 *   <li>{@link #cosine}: a·b / (‖a‖ ‖b‖), clamped to [−1, 1]; 1 when both vectors are zero (they are equal), 0
 *       when exactly one is;</li>
 *   <li>{@link #argmax}: the index of the first largest value (a NaN never wins; on a row of NaNs, 0).</li>
 * </ul>
 */
public final class OutputMetrics {
    private OutputMetrics() {
    }

    /** Cosine similarity from a·b, ‖a‖² and ‖b‖². */
    public static double cosine(double dot, double normA2, double normB2) {
        if (normA2 == 0 && normB2 == 0) {
            return 1;
        }
        if (normA2 == 0 || normB2 == 0) {
            return 0;
        }
        return Math.max(-1, Math.min(1, dot / Math.sqrt(normA2 * normB2)));
    }

    /** Index of the first largest of {@code length} values from {@code offset}. */
    public static int argmax(float[] v, int offset, int length) {
        int best = 0;
        for (int k = 1; k < length; k++) {
            if (v[offset + k] > v[offset + best]) {
                best = k;
            }
        }
        return best;
    }

    public static int argmax(float[] v) {
        return argmax(v, 0, v.length);
    }

    /** Index of the first largest of {@code length} values from {@code offset}. */
    public static int argmax(double[] v, int offset, int length) {
        int best = 0;
        for (int k = 1; k < length; k++) {
            if (v[offset + k] > v[offset + best]) {
                best = k;
            }
        }
        return best;
    }

    /** Row-wise argmax of a row-major [rows, classes] array. */
    public static int[] argmaxRows(float[] v, int classes) {
        int rows = classes == 0 ? 0 : v.length / classes;
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = argmax(v, r * classes, classes);
        }
        return out;
    }

    /** Cosine similarity accumulated pair by pair, so no output needs to be held in memory. */
    public static final class Cosine {
        private double dot;
        private double normA2;
        private double normB2;

        public void add(double a, double b) {
            dot += a * b;
            normA2 += a * a;
            normB2 += b * b;
        }

        public void add(double[] a, double[] b) {
            for (int i = 0; i < a.length; i++) {
                add(a[i], b[i]);
            }
        }

        public void add(float[] a, float[] b) {
            for (int i = 0; i < a.length; i++) {
                add(a[i], b[i]);
            }
        }

        public double value() {
            return cosine(dot, normA2, normB2);
        }
    }
}
