package dev.onnxpress.passes.prune.magnitude;

import dev.onnxpress.passes.core.Cholesky;
import dev.onnxpress.passes.core.LayerGeometry;
import dev.onnxpress.passes.core.LayerGram;
import java.util.Arrays;

/**
 * SparseGPT-style mask selection (Frantar &amp; Alistarh 2023, an OBS approximation): columns are pruned
 * left to right in blocks; within a block the weights with the smallest w²/[H⁻¹]_jj (the OBS saliency
 * with H⁻¹'s Cholesky factor, so earlier eliminations are accounted for) are dropped, and every pruning
 * error is pushed onto the not-yet-visited columns of the same row through the upper Cholesky factor U of
 * H⁻¹ (H⁻¹ = UᵀU): w_k −= (w_j − q_j)/U_jj · U_jk for k &gt; j. Unlike a one-shot magnitude or Wanda
 * mask, a weight whose work the others can take over is the one that goes. Only the mask is kept: the
 * caller refits the survivors exactly (least squares on the mask), which is at least as good as the
 * sequential updates.
 * <p>H = XqᵀXq + λI (λ relative to mean diag H). When the layer's inputs already differ from the dense
 * model's (earlier layers pruned), the starting weights are the unpruned optimum for the new inputs,
 * w* = H⁻¹ XqᵀXd w, so the saliencies are measured against the dense layer's outputs.
 */
final class ObsMask {
    static final int BLOCK = 128;

    private ObsMask() {
    }

    /**
     * Which weights survive, per output row (rows of {@link LayerGeometry#rows}); {@code sparsity} of each
     * group's weights are dropped (per block of columns, rounded down).
     * <p>Weights that must go ({@code mustGo[o][f]}: already zero, or on an unread output) are dropped
     * first and counted in the sparsity; each row's saliencies are scaled by {@code rowWeight[o]} (the weight
     * of that output's error, {@link OutputReads}).
     */
    static boolean[][] select(LayerGeometry geo, LayerGram gram, double[][] rows, double sparsity, double ridge,
            boolean[][] mustGo, double[] rowWeight) {
        int f = geo.features();
        int per = geo.outputsPerGroup();
        boolean[][] keep = new boolean[geo.outputs()][];
        for (int grp = 0; grp < geo.groups(); grp++) {
            double[] a = gram.a(grp);
            LayerGram.Cross c = gram.same() ? null : gram.cross(grp, false);
            double trace = 0;
            for (int i = 0; i < f; i++) {
                trace += a[i * f + i];
            }
            double lambda = Math.max(ridge, 1e-6) * trace / f + 1e-12;
            double[] hinv = Cholesky.require(Cholesky.factor(a, f, lambda), "prune_magnitude",
                    "the Hessian of a layer").inverse();
            double[] u = Cholesky.require(Cholesky.factor(hinv, f, 0), "prune_magnitude",
                    "the inverse Hessian of a layer").upper();
            double[][] w = new double[per][];
            for (int r = 0; r < per; r++) {
                double[] row = rows[grp * per + r];
                w[r] = c == null ? row.clone() : fitted(c, grp * per + r, hinv, row, f);
                keep[grp * per + r] = new boolean[f];
            }
            for (int i1 = 0; i1 < f; i1 += BLOCK) {
                pruneBlock(i1, Math.min(f, i1 + BLOCK), grp, per, f, u, w, keep, sparsity, mustGo, rowWeight);
            }
        }
        return keep;
    }

    /** H⁻¹ · C · row: the row refitted to the reference outputs when the cross-Gram C is not the Gram A. */
    private static double[] fitted(LayerGram.Cross c, int r, double[] hinv, double[] row, int f) {
        double[] cw = new double[f];
        for (int i = 0; i < f; i++) {
            cw[i] = c.dot(i, r, row);
        }
        double[] ws = new double[f];
        for (int i = 0; i < f; i++) {
            double s = 0;
            int base = i * f;
            for (int j = 0; j < f; j++) {
                s += hinv[base + j] * cw[j];
            }
            ws[i] = s;
        }
        return ws;
    }

    /**
     * One block of columns [i1, i2) of group {@code grp}: drops the {@code sparsity} share of weights with the
     * least OBS saliency w²/[U]ⱼⱼ² (and every weight {@code mustGo} marks) and lets the later columns of each row
     * compensate; marks the others kept.
     */
    private static void pruneBlock(int i1, int i2, int grp, int per, int f, double[] u, double[][] w,
            boolean[][] keep, double sparsity, boolean[][] mustGo, double[] rowWeight) {
        int width = i2 - i1;
        double[] score = new double[per * width];
        for (int r = 0; r < per; r++) {
            for (int j = i1; j < i2; j++) {
                double d = u[j * f + j];
                score[r * width + j - i1] = mustGo[grp * per + r][j] ? -1
                        : rowWeight[grp * per + r] * w[r][j] * w[r][j] / (d * d);
            }
        }
        int drop = (int) Math.floor(sparsity * score.length);
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(score[x], score[y]));
        boolean[] pruned = new boolean[score.length];
        for (int i = 0; i < order.length; i++) {
            pruned[order[i]] = i < drop || score[order[i]] < 0;
        }
        for (int r = 0; r < per; r++) {
            double[] wr = w[r];
            boolean[] kr = keep[grp * per + r];
            for (int j = i1; j < i2; j++) {
                if (!pruned[r * width + j - i1]) {
                    kr[j] = true;
                    continue;
                }
                double err = wr[j] / u[j * f + j];
                int base = j * f;
                for (int k = j + 1; k < f; k++) {
                    wr[k] -= err * u[base + k];
                }
                wr[j] = 0;
            }
        }
    }
}
