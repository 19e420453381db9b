package dev.onnxpress.passes.share;

import dev.onnxpress.passes.core.Cholesky;
import dev.onnxpress.passes.core.LayerGeometry;
import dev.onnxpress.passes.core.LayerGram;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * GPTQ-style assignment of weights to a fixed codebook (Frantar et al. 2022, with the codebook in place of
 * a uniform grid). Per output row, over the row's support S (its nonzero weights; zeros stay on the exact
 * zero centroid): start from the least-squares row for the layer's current inputs, w* = argmin
 * ‖Xq_S w − Xd w_ref‖², then visit the inputs in order, give each the nearest shared value q_j and push its
 * error onto the inputs not yet visited through the upper Cholesky factor U of H⁻¹ (H = Xq_SᵀXq_S + λI):
 * w_k −= (w_j − q_j)/U_jj · U_jk for k &gt; j. A later weight thus rounds the other way when that cancels an
 * earlier weight's error on the outputs, which nearest rounding cannot do.
 * <p>With {@code centred}, the moments are those of mean-centred inputs (a refitted bias takes the mean).
 * Rows with the same support share one factorization (a dense layer factors once); supports are assigned
 * in parallel, each thread reusing its buffers.
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
            LayerGram.Cross c = gram.cross(grp, centred);
            // rows with the same support share one factorization; supports are visited one after another
            // (a factorization lives only while its rows are assigned: a sparse layer's rows mostly differ
            // in support, and keeping every one alive cost 2·m² doubles per row), shared among threads,
            // each thread reusing its own buffers
            Map<BitSet, List<Integer>> bySupport = new LinkedHashMap<>();
            for (int r = grp * geo.outputsPerGroup(); r < (grp + 1) * geo.outputsPerGroup(); r++) {
                BitSet support = new BitSet(f);
                for (int i = 0; i < f; i++) {
                    if (!fixedZero || current[r][i] != 0) {
                        support.set(i);
                    }
                }
                bySupport.computeIfAbsent(support, k -> new ArrayList<>()).add(r);
            }
            List<Map.Entry<BitSet, List<Integer>>> supports = new ArrayList<>(bySupport.entrySet());
            Map<Thread, Work> buffers = new ConcurrentHashMap<>();
            int[] ord = order;
            IntStream.range(0, supports.size()).parallel().forEach(g -> {
                int[] s = supports.get(g).getKey().stream().toArray();
                int m = s.length;
                if (m == 0 || ord.length == 0) {
                    return; // all zero: index 0 everywhere
                }
                Work work = buffers.computeIfAbsent(Thread.currentThread(), t -> new Work());
                Factors fac = Factors.of(a, f, s, damp, ridge, work);
                for (int r : supports.get(g).getValue()) {
                    assignRow(out[r], r, s, c, target[r], fac, sorted, ord);
                }
            });
        }
        return out;
    }

    /** One row: the least-squares start on its support, then each weight to its nearest value, errors pushed on. */
    private static void assignRow(int[] out, int r, int[] s, LayerGram.Cross c, double[] target, Factors fac,
            double[] sorted, int[] order) {
        int m = s.length;
        double[] rhs = new double[m];
        for (int i = 0; i < m; i++) {
            rhs[i] = c.dot(s[i], r, target);
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
            out[s[j]] = order[idx];
            double err = (w[j] - sorted[idx]) / u[j * m + j];
            for (int k = j + 1; k < m; k++) {
                w[k] -= err * u[j * m + k];
            }
        }
    }

    /**
     * A thread's buffers for {@link Factors#of}: four m×m arrays, grown to the largest support seen. The
     * factors returned live in two of them, so they are valid until the thread's next support.
     */
    private static final class Work {
        double[] sub = new double[0];
        double[] lower = new double[0];
        double[] li = new double[0];
        double[] fit = new double[0];

        void ensure(int m) {
            if (sub.length < m * m) {
                sub = new double[m * m];
                lower = new double[m * m];
                li = new double[m * m];
                fit = new double[m * m];
            }
        }
    }

    /**
     * For one support: (A_SS + ridge)⁻¹ for the start, and U of (A_SS + damp)⁻¹ for the error pushes, in the
     * thread's buffers: the damped inverse overwrites the submatrix once both factors of it are taken, and U
     * overwrites the inverse's scratch.
     */
    private record Factors(double[] fit, double[] upper) {
        static Factors of(double[] a, int f, int[] s, double damp, double ridge, Work work) {
            int m = s.length;
            work.ensure(m);
            double[] sub = work.sub;
            double trace = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    sub[i * m + j] = a[s[i] * f + s[j]];
                }
                trace += sub[i * m + i];
            }
            double mean = trace / m + 1e-12;
            double[] fit = Cholesky.require(Cholesky.factor(sub, m, ridge * mean + 1e-12, work.lower),
                    "share_weights", "the Gram matrix of a layer").inverse(work.li, work.fit);
            double[] damped = Cholesky.require(Cholesky.factor(sub, m, damp * mean, work.lower), "share_weights",
                    "the Gram matrix of a layer").inverse(work.li, sub);
            return new Factors(fit, Cholesky.require(Cholesky.factor(damped, m, 0, work.lower), "share_weights",
                    "the inverse Gram matrix of a layer").upper(work.li));
        }
    }
}
