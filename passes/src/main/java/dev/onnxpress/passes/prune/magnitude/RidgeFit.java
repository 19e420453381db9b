package dev.onnxpress.passes.prune.magnitude;

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
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                l[i * n + j] = m[i * n + j];
            }
            l[i * n + i] += lambda;
        }
        for (int j = 0; j < n; j++) {
            double d = l[j * n + j];
            int rj = j * n;
            for (int k = 0; k < j; k++) {
                d -= l[rj + k] * l[rj + k];
            }
            if (!(d > 0)) {
                return Optional.empty();
            }
            d = Math.sqrt(d);
            l[rj + j] = d;
            for (int i = j + 1; i < n; i++) {
                int ri = i * n;
                double s = l[ri + j];
                for (int k = 0; k < j; k++) {
                    s -= l[ri + k] * l[rj + k];
                }
                l[ri + j] = s / d;
            }
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
