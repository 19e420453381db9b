package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.passes.core.Cholesky;

/**
 * Accumulates the normal equations of a least-squares fit row by row (A = XᵀX, B = XᵀY, Σy²) and solves
 * the ridge problem min ‖XW − Y‖² + λ‖W‖² by Cholesky, with λ = {@code relativeRidge}·trace(A)/F so
 * that the regularization scales with the activations. The residual of any W follows from the same
 * sums: ‖XW − Y‖² = Σ_o (w_oᵀAw_o − 2w_oᵀb_o) + Σy², so errors before and after are exact on the rows.
 */
final class RidgeSolver {
    private final int f;
    private final int o;
    private final double[] a;
    private final double[] b;
    private double yy;
    private long rows;

    RidgeSolver(int features, int outputs) {
        this.f = features;
        this.o = outputs;
        this.a = new double[features * features];
        this.b = new double[features * outputs];
    }

    long rows() {
        return rows;
    }

    /** A solver holding the rows of this one and {@code other} (same shape). */
    RidgeSolver plus(RidgeSolver other) {
        RidgeSolver m = new RidgeSolver(f, o);
        System.arraycopy(a, 0, m.a, 0, a.length);
        System.arraycopy(b, 0, m.b, 0, b.length);
        m.yy = yy;
        m.rows = rows;
        return m.absorb(other);
    }

    /** Adds the rows of {@code other} (same shape) to this solver, in place; returns this. */
    RidgeSolver absorb(RidgeSolver other) {
        for (int i = 0; i < a.length; i++) {
            a[i] += other.a[i];
        }
        for (int i = 0; i < b.length; i++) {
            b[i] += other.b[i];
        }
        yy += other.yy;
        rows += other.rows;
        return this;
    }

    /** One row: features x, targets y (the float values of the unpruned model's outputs). */
    void addRow(double[] x, float[] y) {
        rows++;
        for (int i = 0; i < f; i++) {
            double xi = x[i];
            if (xi == 0) {
                continue;
            }
            int base = i * f;
            for (int j = i; j < f; j++) {
                a[base + j] += xi * x[j];
            }
            int bb = i * o;
            for (int k = 0; k < o; k++) {
                b[bb + k] += xi * (double) y[k];
            }
        }
        for (float v : y) {
            double d = v;
            yy += d * d;
        }
    }

    /** Relative squared error Σ‖Xw − y‖² / Σ‖y‖² of weights given as w[feature][output]. */
    double relativeError(double[][] w) {
        double err = yy;
        for (int k = 0; k < o; k++) {
            double quad = 0;
            double lin = 0;
            for (int i = 0; i < f; i++) {
                double wi = w[i][k];
                if (wi == 0) {
                    continue;
                }
                lin += wi * b[i * o + k];
                double s = a[i * f + i] * wi;
                for (int j = i + 1; j < f; j++) {
                    s += 2 * a[i * f + j] * w[j][k];
                }
                quad += wi * s;
            }
            err += quad - 2 * lin;
        }
        return yy == 0 ? 0 : Math.max(0, err) / yy;
    }

    /**
     * The ridge solution w[feature][output] with λ = {@code relativeRidge}·mean(diag A), raised by
     * {@link Cholesky#factor} when A + λI is still not positive definite; empty when A is not finite.
     */
    java.util.Optional<double[][]> solve(double relativeRidge) {
        return solve(relativeRidge, new Scratch());
    }

    /**
     * As {@link #solve(double)}, the lower triangle of A and its factor written into {@code scratch} (reused
     * by a caller solving many systems in turn; it grows to the largest system and does not escape).
     */
    java.util.Optional<double[][]> solve(double relativeRidge, Scratch scratch) {
        double[] lowerA = scratch.lower(f);
        double trace = 0;
        for (int i = 0; i < f; i++) {
            trace += a[i * f + i];
            for (int j = 0; j <= i; j++) {
                lowerA[i * f + j] = a[j * f + i];
            }
        }
        double lambda = relativeRidge * Math.max(trace / f, 1e-12);
        double[][] rhs = new double[f][o];
        for (int i = 0; i < f; i++) {
            System.arraycopy(b, i * o, rhs[i], 0, o);
        }
        return Cholesky.factor(lowerA, f, lambda, scratch.factor(f)).map(factor -> factor.solveColumns(rhs));
    }

    /**
     * Two n×n buffers reused across solves (only their lower triangles are written and read, so reuse needs
     * no clearing); grown when a larger system comes.
     */
    static final class Scratch {
        private double[] lower = new double[0];
        private double[] factor = new double[0];

        double[] lower(int n) {
            if (lower.length < n * n) {
                lower = new double[n * n];
            }
            return lower;
        }

        double[] factor(int n) {
            if (factor.length < n * n) {
                factor = new double[n * n];
            }
            return factor;
        }
    }
}
