package dev.onnxpress.passes.core;

import java.util.Optional;

/**
 * Solves the ridge-regularised normal equations (M + λI) x = b of a small symmetric positive
 * semi-definite M with {@link Cholesky#ridge}: λ = {@code relativeRidge}·mean(diag M), raised when M + λI
 * is still not positive definite.
 */
public final class RidgeFit {
    private RidgeFit() {
    }

    /** x for M (n×n row-major) and b; empty only when M holds non-finite values. */
    public static Optional<double[]> solve(double[] m, int n, double[] b, double relativeRidge) {
        return Cholesky.ridge(m, n, relativeRidge).map(f -> f.solve(b));
    }

    /**
     * As {@link #solve(double[], int, double[], double)}, the factor computed in {@code scratch} (at least n²
     * values, reused by a caller solving many systems in turn; it does not escape: the solution is a new
     * array). M is read in its lower triangle only.
     */
    public static Optional<double[]> solve(double[] m, int n, double[] b, double relativeRidge, double[] scratch) {
        return Cholesky.ridge(m, n, relativeRidge, scratch).map(f -> f.solve(b));
    }
}
