package dev.onnxpress.passes.prune.magnitude;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.fold.ConstantEditor;
import dev.onnxpress.passes.quant.WeightedLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code prune_magnitude}: unstructured magnitude pruning (Han et al., "Learning both weights and
 * connections", the first stage of Deep Compression), without retraining.
 *
 * <pre>
 *   Gemm(X, W[N,K])      ⇒   Gemm(X, W')     W' = W with the smallest |w| set to 0 (same shape)
 * </pre>
 * {@code scope=layer}: each selected layer keeps its largest (1−sparsity)·n weights; {@code scope=global}:
 * one threshold on |w| over all selected layers. Zeros stay in place (the graph is unchanged, stock ORT
 * runs it); the file shrinks once {@code share_weights}/{@code pack_huffman} code the zeros.
 * <p>{@code criterion=obs} picks the mask SparseGPT-style ({@link ObsMask}): columns in blocks, the
 * weights of least OBS saliency w²/[H⁻¹]_jj dropped, each error pushed onto later columns through the
 * Cholesky factor of H⁻¹, H = XᵀX + λI on calibration inputs (λ at least 1% of mean diag H).
 * <p>{@code compensate=true} refits each output row's surviving weights S (OBS/OBC-style closed form):
 * w'_S = argmin ‖Xq_S w' − Xd w‖² + λ‖w'‖² = (Aq_SS + λI)⁻¹ (XqᵀXd)_S w, with Xd the layer's input
 * features in the dense model and Xq in the model pruned so far (layers are processed in topological
 * order, so a layer also absorbs the error of the ones before it). Features are input rows for
 * Gemm/MatMul and im2col patches of 2-D Conv (any group count). Weights live in initializers or Constant
 * nodes; a weight also read by a layer that is not pruned is copied, never changed under it. Main graph only.
 */
public final class PruneMagnitudePass implements Pass<PruneMagnitudeOptions> {
    public static final String ID = "prune_magnitude";

    private static final PassInfo INFO = new PassInfo(ID,
            "Zero the smallest-magnitude weights (unstructured), optionally refitting survivors on calibration data.",
            java.util.Set.of(PassInfo.Trait.LOSSY), List.of("layers_pruned", "weights_total", "weights_zeroed",
                    "sparsity_fraction", "layers_compensated"));

    @Override
    public PassInfo info() {
        return INFO;
    }

    @Override
    public Class<PruneMagnitudeOptions> optionsType() {
        return PruneMagnitudeOptions.class;
    }

    @Override
    public PassResult run(Model model, PruneMagnitudeOptions o, PassContext ctx) {
        if (o.criterion() != PruneMagnitudeOptions.Criterion.magnitude && !o.compensate()) {
            throw new PassException(ID, "criterion=" + o.criterion() + " needs compensate=true (and calibration=<data set>)");
        }
        if (o.compensate() && o.calibration().isEmpty()) {
            throw new PassException(ID, "compensate=true needs calibration=<data set>");
        }
        PassResult.Builder result = PassResult.builder();
        Graph g = model.graph();
        List<WeightedLayer> layers = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (!o.layers().matches(n)) {
                continue;
            }
            Optional<WeightedLayer> l = WeightedLayer.of(n);
            if (l.isEmpty()) {
                WeightedLayer.whyNot(n).ifPresent(why -> result.skip(n.label(), why));
                continue;
            }
            layers.add(l.get());
        }
        if (layers.isEmpty()) {
            return result.stat("layers_pruned", 0).build(false);
        }
        List<boolean[]> keep = masks(layers, o);
        Rewriter rw = new Rewriter(model);
        ConstantEditor editor = new ConstantEditor(rw);
        byte[] dense = o.compensate() ? ModelWriter.toBytes(model) : null;
        List<Map<String, Tensor>> batches = o.compensate() ? ctx.samples(o.calibration().get()) : List.of();
        List<Map<String, Object>> table = new ArrayList<>();
        long total = 0;
        long zeros = 0;
        long zeroed = 0;
        int compensated = 0;
        ctx.progress().start(ID, layers.size());
        for (int li = 0; li < layers.size(); li++) {
            WeightedLayer l = layers.get(li);
            Tensor w = l.tensor();
            double[] x = w.toDoubleArray();
            boolean[] k = keep.get(li);
            long before = countNonzero(x);
            boolean refit = false;
            String note = "";
            if (o.compensate()) {
                StringBuilder why = new StringBuilder();
                Optional<LayerGeometry> geo = LayerGeometry.of(l, why);
                if (geo.isPresent() && geo.get().features() > o.max_features()) {
                    why.append(geo.get().features() + " inputs per output > max_features=" + o.max_features());
                    geo = Optional.empty();
                }
                if (geo.isEmpty()) {
                    result.skip(l.node().label(), "not compensated: " + why);
                    note = why.toString();
                } else {
                    LayerGram gram = gram(model, l, geo.get(), dense, batches, o, ctx);
                    if (o.criterion() == PruneMagnitudeOptions.Criterion.activation) {
                        k = activationMask(l, geo.get(), gram, o.sparsity());
                    } else if (o.criterion() == PruneMagnitudeOptions.Criterion.obs) {
                        k = obsMask(l, geo.get(), gram, x, o);
                    }
                    Optional<double[]> bias = o.refit_bias() ? biasOf(l, geo.get()) : Optional.empty();
                    double[] refitted = compensate(l, geo.get(), x, k, gram, o, bias.orElse(null));
                    if (bias.isPresent()) {
                        Tensor bt = g.constantValue(l.node().input(2)).orElseThrow();
                        editor.setConstantInput(l.node(), 2, Tensor.of(bt.dataType(), bt.dims(), bias.get()),
                                l.node().input(2).name());
                    }
                    if (refitted != null) {
                        x = refitted;
                        refit = true;
                        compensated++;
                    }
                }
            }
            for (int i = 0; i < x.length; i++) {
                if (!k[i]) {
                    x[i] = 0;
                }
            }
            long after = countNonzero(x);
            editor.setConstantInput(l.node(), l.weightInput(), Tensor.of(w.dataType(), w.dims(), x),
                    l.weight().name());
            total += x.length;
            zeros += x.length - after;
            zeroed += Math.max(0, before - after);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", l.node().label());
            row.put("op", l.node().opType());
            row.put("weights", (long) x.length);
            row.put("nonzeros_before", before);
            row.put("nonzeros", after);
            row.put("sparsity", round(1.0 - (double) after / x.length));
            row.put("compensated", refit);
            if (!note.isEmpty()) {
                row.put("note", note);
            }
            table.add(row);
            ctx.progress().step(li + 1);
        }
        ctx.progress().finish();
        result.stat("layers_pruned", layers.size()).stat("weights_total", total).stat("weights_zeroed", zeroed)
                .stat("sparsity_fraction", round((double) zeros / Math.max(1, total)))
                .stat("layers_compensated", compensated);
        result.detail("layers", table);
        return result.build(rw.changes() > 0);
    }

    /** Which weights survive, per layer. */
    static List<boolean[]> masks(List<WeightedLayer> layers, PruneMagnitudeOptions o) {
        List<boolean[]> out = new ArrayList<>();
        if (o.scope() == PruneMagnitudeOptions.Scope.global) {
            int n = 0;
            for (WeightedLayer l : layers) {
                n += (int) l.tensor().elementCount();
            }
            double[] all = new double[n];
            int p = 0;
            for (WeightedLayer l : layers) {
                for (float v : l.tensor().toFloatArray()) {
                    all[p++] = Math.abs(v);
                }
            }
            double threshold = kth(all, (int) Math.floor(o.sparsity() * n));
            for (WeightedLayer l : layers) {
                float[] w = l.tensor().toFloatArray();
                boolean[] k = new boolean[w.length];
                for (int i = 0; i < w.length; i++) {
                    k[i] = Math.abs(w[i]) > threshold;
                }
                out.add(k);
            }
            return out;
        }
        for (WeightedLayer l : layers) {
            float[] w = l.tensor().toFloatArray();
            int drop = (int) Math.floor(o.sparsity() * w.length);
            Integer[] order = new Integer[w.length];
            for (int i = 0; i < w.length; i++) {
                order[i] = i;
            }
            // stable by index among equal magnitudes, so the result is deterministic
            Arrays.sort(order, (a, b) -> Float.compare(Math.abs(w[a]), Math.abs(w[b])));
            boolean[] k = new boolean[w.length];
            Arrays.fill(k, true);
            for (int i = 0; i < drop; i++) {
                k[order[i]] = false;
            }
            out.add(k);
        }
        return out;
    }

    /** The value at rank {@code k} (0-based) of the sorted magnitudes; −1 when k = 0 (nothing pruned). */
    private static double kth(double[] v, int k) {
        if (k <= 0) {
            return -1;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(k, s.length) - 1];
    }

    private static LayerGram gram(Model model, WeightedLayer l, LayerGeometry geo, byte[] dense,
            List<Map<String, Tensor>> batches, PruneMagnitudeOptions o, PassContext ctx) {
        String input = l.node().input(0).name();
        byte[] current = ModelWriter.toBytes(model);
        byte[] denseTapped = OrtRunner.withTaps(dense, List.of(input));
        byte[] currentTapped = Arrays.equals(dense, current) ? denseTapped : OrtRunner.withTaps(current, List.of(input));
        return LayerGram.collect(geo, input, denseTapped, currentTapped, batches, o.max_rows(), ctx.random())
                .symmetric();
    }

    /** Keeps the largest |w_of|·sqrt(A_ff) of the layer: a weight on a quiet input matters little (Wanda). */
    private static boolean[] activationMask(WeightedLayer l, LayerGeometry geo, LayerGram gram, double sparsity) {
        Tensor w = l.tensor();
        double[][] rows = geo.rows(w);
        int f = geo.features();
        double[][] score = new double[geo.outputs()][f];
        for (int r = 0; r < geo.outputs(); r++) {
            double[] a = gram.a(r / geo.outputsPerGroup());
            for (int i = 0; i < f; i++) {
                score[r][i] = Math.abs(rows[r][i]) * Math.sqrt(Math.max(0, a[i * f + i]));
            }
        }
        float[] flat = geo.values(score);
        int drop = (int) Math.floor(sparsity * flat.length);
        Integer[] order = new Integer[flat.length];
        for (int i = 0; i < flat.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(flat[a], flat[b]));
        boolean[] keep = new boolean[flat.length];
        Arrays.fill(keep, true);
        for (int i = 0; i < drop; i++) {
            keep[order[i]] = false;
        }
        return keep;
    }

    /** {@link ObsMask} over the layer's rows, back in the weight tensor's layout. */
    private static boolean[] obsMask(WeightedLayer l, LayerGeometry geo, LayerGram gram, double[] flat,
            PruneMagnitudeOptions o) {
        Tensor w = l.tensor();
        boolean[][] keepRows = ObsMask.select(geo, gram, geo.rows(Tensor.of(w.dataType(), w.dims(), flat)),
                o.sparsity(), Math.max(o.ridge(), 0.01));
        double[][] m = new double[keepRows.length][];
        for (int r = 0; r < m.length; r++) {
            m[r] = new double[keepRows[r].length];
            for (int i = 0; i < m[r].length; i++) {
                m[r][i] = keepRows[r][i] ? 1 : 0;
            }
        }
        float[] v = geo.values(m);
        boolean[] keep = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            keep[i] = v[i] != 0;
        }
        return keep;
    }

    /**
     * The layer's bias, one value per output, when it can absorb a shift of the outputs' mean: a constant
     * float input 2 of a Conv, or of a Gemm with alpha = beta = 1.
     */
    private static Optional<double[]> biasOf(WeightedLayer l, LayerGeometry geo) {
        Node n = l.node();
        if (!(n.is("Conv") || n.is("Gemm")) || n.inputs().size() < 3 || n.input(2).isNone()) {
            return Optional.empty();
        }
        if (n.is("Gemm") && (n.attr("alpha").map(Attr::f).orElse(1f) != 1f
                || n.attr("beta").map(Attr::f).orElse(1f) != 1f)) {
            return Optional.empty();
        }
        Optional<Tensor> b = n.graph().constantValue(n.input(2));
        if (b.isEmpty() || !b.get().dataType().isFloatingPoint() || b.get().elementCount() != geo.outputs()) {
            return Optional.empty();
        }
        return Optional.of(b.get().toDoubleArray());
    }

    /**
     * Refits each row's survivors; with {@code bias} (updated in place) on mean-centred features, the bias
     * taking the mean shift: w' = argmin ‖(Xq−μq)w' − (Xd−μd)w‖², b' = b + μd·w − μq·w'.
     */
    private static double[] compensate(WeightedLayer l, LayerGeometry geo, double[] flat, boolean[] keep,
            LayerGram gram, PruneMagnitudeOptions o, double[] bias) {
        Tensor w = l.tensor();
        double[][] rows = geo.rows(Tensor.of(w.dataType(), w.dims(), flat));
        double[][] keepRows = geo.rows(maskTensor(w, keep));
        int f = geo.features();
        for (int r = 0; r < geo.outputs(); r++) {
            int grp = r / geo.outputsPerGroup();
            double[] a = gram.a(grp);
            double[] c = gram.c(grp);
            double[] mq = bias != null ? gram.meanQ(grp) : new double[f];
            double[] md = bias != null ? gram.meanD(grp) : new double[f];
            double cnt = gram.count(grp);
            double mdw = 0;
            for (int j = 0; j < f; j++) {
                mdw += md[j] * rows[r][j];
            }
            int[] s = new int[f];
            int m = 0;
            for (int i = 0; i < f; i++) {
                if (keepRows[r][i] != 0) {
                    s[m++] = i;
                }
            }
            if (m == 0) {
                if (bias != null) {
                    bias[r] += mdw; // the row is gone: its mean output moves into the bias
                }
                continue;
            }
            double[] sub = new double[m * m];
            double[] rhs = new double[m];
            for (int i = 0; i < m; i++) {
                int si = s[i];
                for (int j = 0; j < m; j++) {
                    sub[i * m + j] = a[si * f + s[j]] - cnt * mq[si] * mq[s[j]];
                }
                double acc = 0;
                for (int j = 0; j < f; j++) {
                    acc += c[si * f + j] * rows[r][j];
                }
                rhs[i] = acc - cnt * mq[si] * mdw;
            }
            Optional<double[]> sol = RidgeFit.solve(sub, m, rhs, o.ridge());
            if (sol.isEmpty()) {
                continue;
            }
            double[] x = sol.get();
            double[] newRow = new double[f];
            double mqw = 0;
            for (int i = 0; i < m; i++) {
                newRow[s[i]] = x[i];
                mqw += mq[s[i]] * x[i];
            }
            rows[r] = newRow;
            if (bias != null) {
                bias[r] += mdw - mqw;
            }
        }
        float[] v = geo.values(rows);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static Tensor maskTensor(Tensor w, boolean[] keep) {
        double[] m = new double[keep.length];
        for (int i = 0; i < keep.length; i++) {
            m[i] = keep[i] ? 1 : 0;
        }
        return Tensor.of(dev.onnxpress.ir.DataType.FLOAT, w.dims(), m);
    }

    private static long countNonzero(double[] x) {
        long c = 0;
        for (double v : x) {
            c += v != 0 ? 1 : 0;
        }
        return c;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
