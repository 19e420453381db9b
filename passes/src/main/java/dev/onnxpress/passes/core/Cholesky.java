package dev.onnxpress.passes.core;

import dev.onnxpress.passes.PassException;
import java.util.Optional;

/**
 * The one linear-algebra policy of the passes: symmetric positive semi-definite systems (normal equations,
 * Gram and Hessian matrices) are solved by Cholesky, and an ill-conditioned matrix is regularised rather
 * than refused. {@link #factor} adds the requested shift λ·I; when the shifted matrix is still not
 * positive definite (a pivot at or below 1e-13 of its diagonal entry: a singular Gram, dead inputs), it
 * retries with the shift raised tenfold, from at least 1e-12·mean(diag), up to {@value #MAX_ESCALATIONS}
 * times. A factor is refused (empty) only when the matrix holds a non-finite value, which no
 * regularisation can mend; a caller that cannot skip the layer then stops with a message naming it
 * ({@link #require}). Every factor records the shift it needed.
 * <p>Matrices are row-major n×n double arrays; only the lower triangle (j ≤ i) is read.
 */
public final class Cholesky {
    /** How many tenfold raises of the shift are tried before a finite matrix is given up on. */
    public static final int MAX_ESCALATIONS = 24;

    /**
     * A pivot below this share of its diagonal entry counts as zero: the matrix is numerically singular
     * there, and a solve through it would amplify round-off by 1e13 or more.
     */
    static final double PIVOT_FLOOR = 1e-13;

    private Cholesky() {
    }

    /** The lower factor L of M + shift·I = LLᵀ (raising the shift as described above), or empty. */
    public static Optional<Factor> factor(double[] m, int n, double shift) {
        return factor(m, n, shift, null);
    }

    /**
     * As {@link #factor(double[], int, double)}, L written into {@code scratch} when it holds n² values (a
     * buffer reused across factorizations: only its lower triangle is written and read; the factor must not
     * be used once the buffer is reused).
     */
    public static Optional<Factor> factor(double[] m, int n, double shift, double[] scratch) {
        double meanDiag = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                if (!Double.isFinite(m[i * n + j])) {
                    return Optional.empty();
                }
            }
            meanDiag += Math.abs(m[i * n + i]);
        }
        meanDiag = n == 0 ? 0 : meanDiag / n;
        if (!Double.isFinite(shift) || shift < 0) {
            throw new IllegalArgumentException("shift must be finite and ≥ 0: " + shift);
        }
        double s = shift;
        for (int attempt = 0; attempt <= MAX_ESCALATIONS; attempt++) {
            double[] l = tryLower(m, n, s, scratch);
            if (l != null) {
                return Optional.of(new Factor(l, n, s));
            }
            s = Math.max(s * 10, Math.max(1e-12 * meanDiag, 1e-300));
        }
        return Optional.empty();
    }

    /**
     * The ridge policy of the least-squares fits: shift = {@code relativeRidge}·mean(diag M) + 1e-12, so the
     * regularisation scales with the activations (and keeps dead inputs, whose rows of M are zero, at 0).
     */
    public static Optional<Factor> ridge(double[] m, int n, double relativeRidge) {
        return ridge(m, n, relativeRidge, null);
    }

    /** As {@link #ridge(double[], int, double)}, L written into {@code scratch} when it holds n² values. */
    static Optional<Factor> ridge(double[] m, int n, double relativeRidge, double[] scratch) {
        double trace = 0;
        for (int i = 0; i < n; i++) {
            trace += m[i * n + i];
        }
        double shift = relativeRidge * trace / Math.max(1, n) + 1e-12;
        return factor(m, n, Double.isFinite(shift) ? Math.max(0, shift) : 0, scratch);
    }

    /** The factor of a matrix that must be factorable: non-finite statistics stop the pass with a message. */
    public static Factor require(Optional<Factor> factor, String passId, String what) {
        return factor.orElseThrow(() -> new PassException(passId, what
                + " holds non-finite values (NaN or infinity in the calibration activations?)"));
    }

    private static double[] tryLower(double[] m, int n, double shift, double[] scratch) {
        // only the lower triangle of l is written and read, so a reused scratch needs no clearing
        double[] l = scratch != null && scratch.length >= n * n ? scratch : new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                l[i * n + j] = m[i * n + j];
            }
            l[i * n + i] += shift;
        }
        for (int j = 0; j < n; j++) {
            int rj = j * n;
            double d = l[rj + j];
            for (int k = 0; k < j; k++) {
                d -= l[rj + k] * l[rj + k];
            }
            if (!(d > PIVOT_FLOOR * (Math.abs(m[rj + j]) + shift)) || !Double.isFinite(d)) {
                return null;
            }
            d = Math.sqrt(d);
            l[rj + j] = d;
            // four rows at a time: four independent sums, each subtracting in k order as one row alone would
            int i = j + 1;
            for (; i + 3 < n; i += 4) {
                int r0 = i * n;
                int r1 = r0 + n;
                int r2 = r1 + n;
                int r3 = r2 + n;
                double s0 = l[r0 + j];
                double s1 = l[r1 + j];
                double s2 = l[r2 + j];
                double s3 = l[r3 + j];
                for (int k = 0; k < j; k++) {
                    double lk = l[rj + k];
                    s0 -= l[r0 + k] * lk;
                    s1 -= l[r1 + k] * lk;
                    s2 -= l[r2 + k] * lk;
                    s3 -= l[r3 + k] * lk;
                }
                l[r0 + j] = s0 / d;
                l[r1 + j] = s1 / d;
                l[r2 + j] = s2 / d;
                l[r3 + j] = s3 / d;
            }
            for (; i < n; i++) {
                int ri = i * n;
                double s = l[ri + j];
                for (int k = 0; k < j; k++) {
                    s -= l[ri + k] * l[rj + k];
                }
                l[ri + j] = s / d;
            }
        }
        return l;
    }

    /** L with M + shift·I = LLᵀ (row-major lower triangle), and the shift it took. */
    public record Factor(double[] lower, int n, double shift) {

        /** x with (M + shift·I) x = b. */
        public double[] solve(double[] b) {
            double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                double s = b[i];
                int ri = i * n;
                for (int k = 0; k < i; k++) {
                    s -= lower[ri + k] * z[k];
                }
                z[i] = s / lower[ri + i];
            }
            double[] x = new double[n];
            for (int i = n - 1; i >= 0; i--) {
                double s = z[i];
                for (int k = i + 1; k < n; k++) {
                    s -= lower[k * n + i] * x[k];
                }
                x[i] = s / lower[i * n + i];
            }
            return x;
        }

        /** X with (M + shift·I) X = B for B given as b[row][column] (several right-hand sides at once). */
        public double[][] solveColumns(double[][] b) {
            int c = n == 0 ? 0 : b[0].length;
            double[][] z = new double[n][c];
            for (int i = 0; i < n; i++) {
                int ri = i * n;
                for (int k = 0; k < c; k++) {
                    double s = b[i][k];
                    for (int j = 0; j < i; j++) {
                        s -= lower[ri + j] * z[j][k];
                    }
                    z[i][k] = s / lower[ri + i];
                }
            }
            double[][] x = new double[n][c];
            for (int i = n - 1; i >= 0; i--) {
                for (int k = 0; k < c; k++) {
                    double s = z[i][k];
                    for (int j = i + 1; j < n; j++) {
                        s -= lower[j * n + i] * x[j][k];
                    }
                    x[i][k] = s / lower[i * n + i];
                }
            }
            return x;
        }

        /** (M + shift·I)⁻¹, symmetric, row-major. */
        public double[] inverse() {
            return inverse(new double[n * n], new double[n * n]);
        }

        /**
         * As {@link #inverse()}, in caller buffers of at least n² values each (reused across factors):
         * {@code scratch} (only its lower triangle is written and read) and {@code into} (every entry written,
         * returned). {@code into} may be the matrix this factor was taken of, which the factor no longer reads.
         */
        public double[] inverse(double[] scratch, double[] into) {
            double[] li = scratch;
            for (int j = 0; j < n; j++) {
                li[j * n + j] = 1 / lower[j * n + j];
                for (int i = j + 1; i < n; i++) {
                    double s = 0;
                    int ri = i * n;
                    for (int k = j; k < i; k++) {
                        s -= lower[ri + k] * li[k * n + j];
                    }
                    li[ri + j] = s / lower[ri + i];
                }
            }
            double[] inv = into;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int k = i; k < n; k++) {
                        s += li[k * n + i] * li[k * n + j];
                    }
                    inv[i * n + j] = s;
                    inv[j * n + i] = s;
                }
            }
            return inv;
        }

        /** U upper with M + shift·I = UᵀU (the transpose of L), row-major. */
        public double[] upper() {
            return upper(new double[n * n]);
        }

        /**
         * As {@link #upper()}, written into {@code into} (at least n² values): the upper triangle and diagonal
         * only; the entries below the diagonal are left as they were (zero in a fresh array).
         */
        public double[] upper(double[] into) {
            double[] u = into;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    u[j * n + i] = lower[i * n + j];
                }
            }
            return u;
        }
    }
}
