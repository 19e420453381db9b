package dev.onnxpress.passes.core;

/**
 * Cholesky factorization of small symmetric positive definite matrices (row-major n×n double arrays), and
 * what the OBS-style passes build from it: the inverse, and the upper factor U of H⁻¹ = UᵀU whose rows
 * spread a rounding or pruning error onto the not-yet-visited columns.
 */
public final class Cholesky {
    private Cholesky() {
    }

    /** Lower Cholesky factor L (M = LLᵀ) of a symmetric positive definite n×n matrix, row-major. */
    public static double[] lower(double[] m, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                l[i * n + j] = m[i * n + j];
            }
        }
        for (int j = 0; j < n; j++) {
            int rj = j * n;
            double d = l[rj + j];
            for (int k = 0; k < j; k++) {
                d -= l[rj + k] * l[rj + k];
            }
            if (!(d > 0)) {
                throw new ArithmeticException("matrix is not positive definite");
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
        return l;
    }

    /** M⁻¹ of a symmetric positive definite matrix, through its Cholesky factor. */
    public static double[] inverse(double[] m, int n) {
        double[] l = lower(m, n);
        // L⁻¹ (lower), then M⁻¹ = L⁻ᵀ L⁻¹
        double[] li = new double[n * n];
        for (int j = 0; j < n; j++) {
            li[j * n + j] = 1 / l[j * n + j];
            for (int i = j + 1; i < n; i++) {
                double s = 0;
                int ri = i * n;
                for (int k = j; k < i; k++) {
                    s -= l[ri + k] * li[k * n + j];
                }
                li[ri + j] = s / l[ri + i];
            }
        }
        double[] inv = new double[n * n];
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

    /** U upper with M = UᵀU (the transpose of the lower Cholesky factor), row-major. */
    public static double[] upperOf(double[] m, int n) {
        double[] l = lower(m, n);
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                u[j * n + i] = l[i * n + j];
            }
        }
        return u;
    }
}
