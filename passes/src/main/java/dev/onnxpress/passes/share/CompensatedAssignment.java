package dev.onnxpress.passes.share;

import dev.onnxpress.passes.core.Cholesky;
import dev.onnxpress.passes.core.LayerGeometry;
import dev.onnxpress.passes.core.LayerGram;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * GPTQ-style assignment of weights to a fixed codebook (Frantar et al. 2022, with the codebook in place of
 * a uniform grid). Per output row, over the row's support S (its nonzero weights; zeros stay on the exact
 * zero centroid): start from the least-squares row for the layer's current inputs, w* = argmin
 * ‖Xq_S w − Xd w_ref‖², then visit the inputs in order, give each the nearest shared value q_j and push its
 * error onto the inputs not yet visited through the upper Cholesky factor U of H⁻¹ (H = Xq_SᵀXq_S + λI):
 * w_k −= (w_j − q_j)/U_jj · U_jk for k &gt; j. A later weight thus rounds the other way when that cancels an
 * earlier weight's error on the outputs, which nearest rounding cannot do.
 * <p>With {@code centred}, the moments are those of mean-centred inputs (a refitted bias takes the mean).
 * Rows with the same support share one factorization (a dense layer factors once).
 */
final class CompensatedAssignment {
    private CompensatedAssignment() {
    }

    /**
     * Centroid index per weight, rows × features ({@link LayerGeometry#rows} layout).
     *
     * @param current   the layer's weights now (their zeros stay zero)
     * @param target    the reference layer's weights (what the outputs should be, on the reference's inputs)
     * @param centroids the codebook; with {@code fixedZero}, centroid 0 is the exact zero, for zeros only
     * @param damp      λ of H relative to its mean diagonal (≥ 0.01 keeps the factorization stable)
     * @param ridge     relative ridge of the least-squares start
     */
    static int[][] assign(LayerGeometry geo, LayerGram gram, double[][] current, double[][] target,
            double[] centroids, boolean fixedZero, boolean centred, double damp, double ridge) {
        int f = geo.features();
        int first = fixedZero ? 1 : 0;
        int[] order = new int[centroids.length - first];
        for (int i = 0; i < order.length; i++) {
            order[i] = i + first;
        }
        order = Arrays.stream(order).boxed().sorted((x, y) -> Double.compare(centroids[x], centroids[y]))
                .mapToInt(Integer::intValue).toArray();
        double[] sorted = new double[order.length];
        for (int i = 0; i < order.length; i++) {
            sorted[i] = centroids[order[i]];
        }
        int[][] out = new int[geo.outputs()][f];
        for (int grp = 0; grp < geo.groups(); grp++) {
            double[] a = centred ? gram.aCentred(grp) : gram.a(grp);
            double[] c = centred ? gram.cCentred(grp) : gram.c(grp);
            Map<BitSet, Factors> cache = new HashMap<>();
            for (int r = grp * geo.outputsPerGroup(); r < (grp + 1) * geo.outputsPerGroup(); r++) {
                BitSet support = new BitSet(f);
                for (int i = 0; i < f; i++) {
                    if (!fixedZero || current[r][i] != 0) {
                        support.set(i);
                    }
                }
                int[] s = support.stream().toArray();
                int m = s.length;
                if (m == 0 || order.length == 0) {
                    continue; // all zero: index 0 everywhere
                }
                Factors fac = cache.computeIfAbsent(support, k -> Factors.of(a, f, s, damp, ridge));
                double[] rhs = new double[m];
                for (int i = 0; i < m; i++) {
                    double acc = 0;
                    int base = s[i] * f;
                    for (int j = 0; j < f; j++) {
                        acc += c[base + j] * target[r][j];
                    }
                    rhs[i] = acc;
                }
                double[] w = new double[m];
                for (int i = 0; i < m; i++) {
                    double acc = 0;
                    for (int j = 0; j < m; j++) {
                        acc += fac.fit()[i * m + j] * rhs[j];
                    }
                    w[i] = acc;
                }
                double[] u = fac.upper();
                for (int j = 0; j < m; j++) {
                    int idx = KMeans1D.nearest(sorted, w[j]);
                    out[r][s[j]] = order[idx];
                    double err = (w[j] - sorted[idx]) / u[j * m + j];
                    for (int k = j + 1; k < m; k++) {
                        w[k] -= err * u[j * m + k];
                    }
                }
            }
        }
        return out;
    }

    /** For one support: (A_SS + ridge)⁻¹ for the start, and U of (A_SS + damp)⁻¹ for the error pushes. */
    private record Factors(double[] fit, double[] upper) {
        static Factors of(double[] a, int f, int[] s, double damp, double ridge) {
            int m = s.length;
            double[] sub = new double[m * m];
            double trace = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    sub[i * m + j] = a[s[i] * f + s[j]];
                }
                trace += sub[i * m + i];
            }
            double mean = trace / m + 1e-12;
            double[] fit = Cholesky.require(Cholesky.factor(sub, m, ridge * mean + 1e-12), "share_weights",
                    "the Gram matrix of a layer").inverse();
            double[] damped = Cholesky.require(Cholesky.factor(sub, m, damp * mean), "share_weights",
                    "the Gram matrix of a layer").inverse();
            return new Factors(fit, Cholesky.require(Cholesky.factor(damped, m, 0), "share_weights",
                    "the inverse Gram matrix of a layer").upper());
        }
    }
}
