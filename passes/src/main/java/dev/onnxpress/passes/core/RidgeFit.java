package dev.onnxpress.passes.core;

import java.util.Optional;

/**
 * Solves the ridge-regularised normal equations (M + λI) x = b of a small symmetric positive
 * semi-definite M by Cholesky, with λ = {@code relativeRidge}·mean(diag M) so the regularisation scales
 * with the activations (and keeps dead inputs, whose rows of M are zero, at weight 0).
 */
public final class RidgeFit {
    private RidgeFit() {
    }

    /** x for M (n×n row-major) and b; empty when M + λI is not positive definite. */
    public static Optional<double[]> solve(double[] m, int n, double[] b, double relativeRidge) {
        double trace = 0;
        for (int i = 0; i < n; i++) {
            trace += m[i * n + i];
        }
        double lambda = relativeRidge * trace / Math.max(1, n) + 1e-12;
        double[] regularised = m.clone();
        for (int i = 0; i < n; i++) {
            regularised[i * n + i] += lambda;
        }
        double[] l;
        try {
            l = Cholesky.lower(regularised, n);
        } catch (ArithmeticException notPositiveDefinite) {
            return Optional.empty();
        }
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i * n + k] * z[k];
            }
            z[i] = s / l[i * n + i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k * n + i] * x[k];
            }
            x[i] = s / l[i * n + i];
        }
        return Optional.of(x);
    }
}
