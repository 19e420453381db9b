package dev.onnxpress.passes.quant;

/**
 * How a low-bit pass turns one channel's float weights into levels {−1, 0, +1} and a scale α.
 * TWN (Li &amp; Liu 2016): Δ = t·mean|w|, q = sign(w)·[|w| &gt; Δ], α = mean of |w| over |w| &gt; Δ.
 * BWN/XNOR (Rastegari et al. 2016): q = sign(w) (0 maps to +1), α = mean|w|. Both α minimise
 * ||w − α·q||² for the chosen q.
 */
public sealed interface LowBitScheme {
    /** Levels for {@code w} (one channel) written into {@code q}; returns α. */
    double quantize(float[] w, byte[] q);

    record Ternary(double threshold) implements LowBitScheme {
        @Override
        public double quantize(float[] w, byte[] q) {
            double meanAbs = 0;
            for (float x : w) {
                meanAbs += Math.abs(x);
            }
            meanAbs /= Math.max(1, w.length);
            double delta = threshold * meanAbs;
            double sum = 0;
            int kept = 0;
            for (int i = 0; i < w.length; i++) {
                if (Math.abs(w[i]) > delta) {
                    q[i] = (byte) (w[i] > 0 ? 1 : -1);
                    sum += Math.abs(w[i]);
                    kept++;
                } else {
                    q[i] = 0;
                }
            }
            return kept == 0 ? 0 : sum / kept;
        }
    }

    record Binary() implements LowBitScheme {
        @Override
        public double quantize(float[] w, byte[] q) {
            double sum = 0;
            for (int i = 0; i < w.length; i++) {
                q[i] = (byte) (w[i] < 0 ? -1 : 1);
                sum += Math.abs(w[i]);
            }
            return sum / Math.max(1, w.length);
        }
    }
}
