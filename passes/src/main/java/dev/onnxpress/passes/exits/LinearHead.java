package dev.onnxpress.passes.exits;

import dev.onnxpress.passes.core.Cholesky;

/**
 * A linear classifier on pooled features: logits = scale · (x·W + b). W and b come in closed form from
 * ridge regression on one-hot targets; the scale (an inverse temperature) is then chosen by negative
 * log-likelihood so that the softmax entropy used by the gate is a calibrated confidence.
 */
record LinearHead(int features, int classes, float[] weight, float[] bias) {

    /** Row-major [features, classes] weight as Gemm's B. */
    float[] logits(float[] x) {
        float[] z = bias.clone();
        for (int f = 0; f < features; f++) {
            float v = x[f];
            if (v == 0) {
                continue;
            }
            for (int k = 0; k < classes; k++) {
                z[k] += v * weight[f * classes + k];
            }
        }
        return z;
    }

    static LinearHead fit(float[][] x, int[] target, int classes) {
        int n = x.length;
        int d = x[0].length + 1;
        double[][] a = new double[d][d];
        double[][] xty = new double[d][classes];
        double[] row = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d - 1; j++) {
                row[j] = x[i][j];
            }
            row[d - 1] = 1;
            for (int j = 0; j < d; j++) {
                double rj = row[j];
                if (rj == 0) {
                    continue;
                }
                for (int k = j; k < d; k++) {
                    a[j][k] += rj * row[k];
                }
                xty[j][target[i]] += rj;
            }
        }
        double trace = 0;
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < j; k++) {
                a[j][k] = a[k][j];
            }
            trace += a[j][j];
        }
        double lambda = 1e-3 * trace / d + 1e-9;
        for (int j = 0; j < d - 1; j++) {
            a[j][j] += lambda;
        }
        double[] flat = new double[d * d];
        for (int j = 0; j < d; j++) {
            System.arraycopy(a[j], 0, flat, j * d, d);
        }
        double[][] w = Cholesky.require(Cholesky.factor(flat, d, 0), "add_early_exits",
                "the feature Gram matrix of an exit head").solveColumns(xty);
        float[] weight = new float[(d - 1) * classes];
        float[] bias = new float[classes];
        for (int j = 0; j < d - 1; j++) {
            for (int k = 0; k < classes; k++) {
                weight[j * classes + k] = (float) w[j][k];
            }
        }
        for (int k = 0; k < classes; k++) {
            bias[k] = (float) w[d - 1][k];
        }
        LinearHead raw = new LinearHead(d - 1, classes, weight, bias);
        return raw.scaled(bestScale(raw, x, target));
    }

    /** Inverse temperature minimizing the negative log-likelihood of the targets (log-spaced search). */
    private static double bestScale(LinearHead h, float[][] x, int[] target) {
        float[][] z = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            z[i] = h.logits(x[i]);
        }
        double best = 1;
        double bestNll = Double.POSITIVE_INFINITY;
        for (double s = 0.25; s <= 1000; s *= 1.15) {
            double nll = 0;
            for (int i = 0; i < z.length; i++) {
                double m = Double.NEGATIVE_INFINITY;
                for (float v : z[i]) {
                    m = Math.max(m, s * v);
                }
                double sum = 0;
                for (float v : z[i]) {
                    sum += Math.exp(s * v - m);
                }
                nll += m + Math.log(sum) - s * z[i][target[i]];
            }
            if (nll < bestNll) {
                bestNll = nll;
                best = s;
            }
        }
        return best;
    }

    LinearHead scaled(double s) {
        float[] w = weight.clone();
        float[] b = bias.clone();
        for (int i = 0; i < w.length; i++) {
            w[i] *= (float) s;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] *= (float) s;
        }
        return new LinearHead(features, classes, w, b);
    }

    /** Softmax entropy in nats. */
    static double entropy(float[] z) {
        double m = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            m = Math.max(m, v);
        }
        double sum = 0;
        for (float v : z) {
            sum += Math.exp(v - m);
        }
        double logSum = Math.log(sum) + m;
        double h = 0;
        for (float v : z) {
            double lp = v - logSum;
            h -= Math.exp(lp) * lp;
        }
        return h;
    }

    static int argmax(float[] z) {
        int best = 0;
        for (int i = 1; i < z.length; i++) {
            if (z[i] > z[best]) {
                best = i;
            }
        }
        return best;
    }
}
