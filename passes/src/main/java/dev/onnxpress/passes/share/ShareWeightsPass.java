package dev.onnxpress.passes.share;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.passes.core.LayerGeometry;
import dev.onnxpress.passes.core.FitReference;
import dev.onnxpress.passes.core.LayerGram;
import dev.onnxpress.passes.core.RidgeFit;
import dev.onnxpress.passes.core.WeightedLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code share_weights}: k-means weight sharing per layer (Deep Compression, stage 2), without retraining.
 *
 * <pre>
 *   Conv(X, W float[Cout,Cin,k,k])
 *     ⇒ Conv(X, Gather(codebook float[K], Cast&lt;int32&gt;(I uint8[Cout,Cin,k,k]), axis=0))
 * </pre>
 * ONNX Gather takes only int32/int64 indices, hence the Cast; every op is standard (opset ≥ 1) and stock
 * ORT folds the chain into a constant at load. K = 2^bits (or {@code clusters}) ≤ 256 centroids from 1-D
 * Lloyd iterations, initialised linearly over [min, max] by default (the paper found linear init keeps the
 * large, rare weights that matter most). When the layer has zeros (pruned), centroid 0 is exactly 0,
 * never moves and holds exactly the zero weights, so sparsity survives sharing.
 * <p>{@code refit=true} then re-solves the free centroids c for the layer's outputs on calibration data:
 * with P_o the one-hot assignment of output row o, min Σ_o ‖Xq P_o c − Xd w_o‖² + λ‖c − c_kmeans‖² gives
 * (Σ_o P_oᵀ A P_o + λI) c = Σ_o P_oᵀ C w_o + λ c_kmeans, A = XqᵀXq, C = XqᵀXd ({@link LayerGram}).
 * <p>{@code assign=compensated} picks each weight's shared value GPTQ-style ({@link CompensatedAssignment}):
 * inputs in order, each rounding error pushed onto the weights not yet assigned through the inverse Hessian of
 * the layer's inputs, instead of nearest-centroid rounding. {@code refit_bias=true} gives the layer's bias the
 * shift of each output's mean, b' = b + μd·w − μq·w_shared (the fits above then use mean-centred moments).
 * {@code reference=input} makes all of these fit the pipeline's input model ({@code FitReference}): targets
 * Xd·w of the original dense layer, so the pruning error is compensated here too.
 * A weight read also by layers not selected keeps its float tensor for them. Float weights only.
 */
@PassSpec(id = ShareWeightsPass.ID,
        summary = "k-means weight sharing per layer: uint8 indices → Cast → Gather(codebook).",
        traits = {PassInfo.Trait.LOSSY, PassInfo.Trait.SHRINKS},
        statistics = {
                @Statistic(name = "layers_shared", doc = "layers whose weights now index a shared codebook"),
                @Statistic(name = "weights_shared", doc = "weights replaced by codebook indices"),
                @Statistic(name = "bytes_saved",
                        doc = "weight bytes saved (uint8 indices and codebook instead of the weights)"),
                @Statistic(name = "layers_refitted", doc = "layers whose codebook was refitted on calibration data")})
public final class ShareWeightsPass implements Pass<ShareWeightsOptions> {
    public static final String ID = "share_weights";

    @Override
    public PassResult run(Model model, ShareWeightsOptions o, PassContext ctx) {
        checkOptions(o);
        PassResult.Builder result = PassResult.builder();
        List<WeightedLayer> layers = new ArrayList<>();
        for (Graph g : model.graph().allGraphs()) {
            layers.addAll(WeightedLayer.selected(g.nodes(), o.layers(), result));
        }
        Rewriter rw = new Rewriter(model);
        ConstantEditor editor = new ConstantEditor(rw);
        FitReference ref = o.needsData() ? FitReference.of(ID, o.reference(), model, ctx) : null;
        List<Map<String, Tensor>> batches = o.needsData() ? ctx.samples(o.calibration().get()) : List.of();
        Tally tally = new Tally(layers, o, rw, editor, ctx);
        ctx.progress().start(ID, layers.size());
        if (o.needsData()) {
            // main-graph layers that can be fitted gather their moments in grouped runs; the rest on the way
            List<FitReference.Request> requests = new ArrayList<>();
            List<Integer> requested = new ArrayList<>();
            for (int li = 0; li < layers.size(); li++) {
                WeightedLayer l = layers.get(li);
                if (l.node().graph().parent().isPresent()) {
                    continue;
                }
                StringBuilder why = new StringBuilder();
                Optional<FitReference.Fit> fit = ref.fit(l, o.max_features(), why);
                if (fit.isPresent()) {
                    requests.add(new FitReference.Request(l, fit.get()));
                    requested.add(li);
                } else {
                    result.skip(l.node().label(), "not refitted: " + why);
                }
            }
            ref.grams(model, requests, batches, o.max_rows(), ctx.random(),
                    new FitReference.Fitter() {
                        final Map<Integer, Sharing> early = new java.util.HashMap<>();

                        @Override
                        public void beforeGroup(int index) {
                            tally.applyUpTo(requested.get(index));
                            // the group's first layer is clustered before its data is gathered, as when each
                            // layer had its own run (the draws from ctx.random() keep that order)
                            early.put(index, cluster(layers.get(requested.get(index)), o, ctx));
                        }

                        @Override
                        public void fit(int index, LayerGram gram) {
                            int li = requested.get(index);
                            tally.applyUpTo(li);
                            WeightedLayer l = layers.get(li);
                            Sharing sh = early.containsKey(index) ? early.remove(index) : cluster(l, o, ctx);
                            fitToData(l, sh, o, requests.get(index).fit(), gram, editor, result);
                            tally.apply(li, sh);
                        }
                    });
        }
        tally.applyUpTo(layers.size());
        ctx.progress().finish();
        result.stat("layers_shared", layers.size()).stat("weights_shared", tally.shared)
                .stat("bytes_saved", tally.saved).stat("layers_refitted", tally.refitted)
                .detail("layers", tally.table);
        return result.build(rw.changes() > 0);
    }

    /** Emits each layer's sharing in layer order and counts it. */
    private static final class Tally {
        final List<WeightedLayer> layers;
        final ShareWeightsOptions o;
        final Rewriter rw;
        final ConstantEditor editor;
        final PassContext ctx;
        final List<Map<String, Object>> table = new ArrayList<>();
        long saved;
        long shared;
        int refitted;
        int next;

        Tally(List<WeightedLayer> layers, ShareWeightsOptions o, Rewriter rw, ConstantEditor editor, PassContext ctx) {
            this.layers = layers;
            this.o = o;
            this.rw = rw;
            this.editor = editor;
            this.ctx = ctx;
        }

        /** Clusters and emits, without data, the layers before {@code li} still pending. */
        void applyUpTo(int li) {
            while (next < li) {
                apply(next, cluster(layers.get(next), o, ctx));
            }
        }

        void apply(int li, Sharing s) {
            WeightedLayer l = layers.get(li);
            refitted += s.refit ? 1 : 0;
            table.add(emit(l, s, rw, editor));
            saved += l.tensor().byteSize() - (s.weights.length
                    + l.tensor().dataType().byteSize(s.centroids.length));
            shared += s.weights.length;
            next++;
            ctx.progress().step(next);
        }
    }

    private static void checkOptions(ShareWeightsOptions o) {
        if (o.needsData() && o.calibration().isEmpty()) {
            throw new PassException(ID, (o.refit() ? "refit=true" : o.refit_bias() ? "refit_bias=true"
                    : "assign=compensated") + " needs calibration=<data set>");
        }
        if (o.reference() == FitReference.Source.input && !o.needsData()) {
            throw new PassException(ID, "reference=input only changes what refit, refit_bias or assign=compensated "
                    + "fit: add one of them");
        }
        if (o.clusterCount() > 256) {
            throw new PassException(ID, "clusters=" + o.clusterCount() + " needs more than 8-bit indices (at most 256)");
        }
    }

    /** One layer's sharing as it is chosen: the centroids, each weight's centroid, and what the data changed. */
    private static final class Sharing {
        final float[] weights;
        final boolean sparse;
        final int iterations;
        double[] centroids;
        int[] assignment;
        boolean refit;
        boolean compensated;
        boolean biasRefit;

        Sharing(float[] weights, boolean sparse, KMeans1D.Clustering km) {
            this.weights = weights;
            this.sparse = sparse;
            this.iterations = km.iterations();
            this.centroids = km.centroids();
            this.assignment = km.assignment();
        }
    }

    /** k-means on the layer's weights (centroid 0 pinned at zero when the layer has zeros). */
    private static Sharing cluster(WeightedLayer l, ShareWeightsOptions o, PassContext ctx) {
        float[] w = l.tensor().toFloatArray();
        boolean sparse = false;
        for (float v : w) {
            sparse |= v == 0;
        }
        KMeans1D.Clustering km = KMeans1D.fit(w, o.clusterCount(), o.init(), sparse, o.iterations(), ctx.random());
        return new Sharing(w, sparse, km);
    }

    /** Compensated assignment, centroid refit and bias refit on calibration data, as the options ask. */
    private static void fitToData(WeightedLayer l, Sharing s, ShareWeightsOptions o, FitReference.Fit fit,
            LayerGram gram, ConstantEditor editor, PassResult.Builder result) {
        LayerGeometry lg = fit.geo();
        FitReference.Target t = fit.target();
        Optional<double[]> bias = o.refit_bias() ? FitReference.bias(l.node(), lg) : Optional.empty();
        if (o.refit_bias() && bias.isEmpty()) {
            result.skip(l.node().label(), "bias not refitted: no constant per-output bias "
                    + "(Gemm with alpha=beta=1, or Conv)");
        }
        boolean centred = bias.isPresent();
        double[][] target = o.assign() == ShareWeightsOptions.Assign.compensated || o.refit() ? t.rows() : null;
        if (o.assign() == ShareWeightsOptions.Assign.compensated) {
            int[][] rows = CompensatedAssignment.assign(lg, gram, lg.rows(l.tensor()), target, s.centroids,
                    s.sparse, centred, Math.max(o.ridge(), 0.01), o.ridge());
            s.assignment = lg.flat(rows);
            s.compensated = true;
        }
        if (o.refit()) {
            Optional<double[]> r = refit(lg, gram, target, s.assignment, s.centroids, s.sparse ? 1 : 0, centred, o);
            if (r.isPresent()) {
                s.centroids = r.get();
                s.refit = true;
            }
        }
        if (bias.isPresent()) {
            double[] b = shiftedBias(lg, gram, t, s.assignment, s.centroids);
            Tensor bt = l.node().graph().constantValue(l.node().input(2)).orElseThrow();
            editor.setConstantInput(l.node(), 2, Tensor.of(bt.dataType(), bt.dims(), b), l.node().input(2).name());
            s.biasRefit = true;
        }
    }

    /** Writes uint8 indices → Cast → Gather(codebook) in place of the weight; the layer's row of the table. */
    private static Map<String, Object> emit(WeightedLayer l, Sharing s, Rewriter rw, ConstantEditor editor) {
        float[] w = s.weights;
        float[] codebook = new float[s.centroids.length];
        for (int j = 0; j < codebook.length; j++) {
            codebook[j] = (float) s.centroids[j];
        }
        byte[] idx = new byte[w.length];
        long nonzeros = 0;
        double err = 0;
        double norm = 0;
        for (int i = 0; i < w.length; i++) {
            idx[i] = (byte) s.assignment[i];
            float v = codebook[s.assignment[i]];
            nonzeros += v != 0 ? 1 : 0;
            err += (v - w[i]) * (double) (v - w[i]);
            norm += w[i] * (double) w[i];
        }
        Graph g = l.node().graph();
        String hint = l.weight().name();
        Value iv = editor.newConstant(g, hint + "_indices", Tensor.ofBytes(DataType.UINT8, l.tensor().dims(), idx));
        Value cb = editor.newConstant(g, hint + "_codebook",
                Tensor.of(l.tensor().dataType(), new long[] {codebook.length}, toDouble(codebook)));
        Value i32 = rw.add(g, "Cast", hint + "_indices_int32", List.of(iv),
                Map.of("to", Attr.of((long) DataType.INT32.code())));
        Value shaped = rw.add(g, "Gather", hint + "_shared", List.of(cb, i32), Map.of("axis", Attr.of(0L)));
        Value old = l.weight();
        rw.setInput(l.node(), l.weightInput(), shaped);
        editor.removeIfDead(old);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("layer", l.node().label());
        row.put("weights", (long) w.length);
        row.put("nonzeros", nonzeros);
        row.put("clusters", codebook.length);
        row.put("bits", bitsFor(codebook.length));
        row.put("zero_kept", s.sparse);
        row.put("iterations", s.iterations);
        row.put("refitted", s.refit);
        row.put("assign", s.compensated ? "compensated" : "nearest");
        row.put("bias_refitted", s.biasRefit);
        row.put("weight_rel_error", Math.round(Math.sqrt(err / Math.max(norm, 1e-30)) * 1e6) / 1e6);
        return row;
    }

    static int bitsFor(int clusters) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(clusters - 1));
    }

    /** b' = b_ref + μd·w_ref − μq·w_shared: the bias takes the shift of each output's mean. */
    private static double[] shiftedBias(LayerGeometry geo, LayerGram gram, FitReference.Target t,
            int[] assignment, double[] c) {
        int[][] arows = geo.rows(assignment);
        double[][] target = t.rows();
        double[] b = t.bias().orElse(new double[geo.outputs()]).clone();
        for (int r = 0; r < geo.outputs(); r++) {
            int grp = r / geo.outputsPerGroup();
            double[] mq = gram.meanQ(grp);
            double[] md = gram.meanD(grp);
            for (int j = 0; j < geo.features(); j++) {
                b[r] += md[j] * target[r][j] - mq[j] * c[arows[r][j]];
            }
        }
        return b;
    }

    /**
     * The free centroids re-solved for the layer's outputs (the target rows on the reference's inputs),
     * with the given assignment; on mean-centred moments when {@code centred} (a refitted bias takes the mean).
     */
    private static Optional<double[]> refit(LayerGeometry geo, LayerGram gram, double[][] rows,
            int[] assignment, double[] c0, int fixed, boolean centred, ShareWeightsOptions o) {
        int[][] arows = geo.rows(assignment);
        int kk = c0.length;
        int free = kk - fixed;
        if (free <= 0) {
            return Optional.empty();
        }
        double[] h = new double[free * free];
        double[] b = new double[free];
        int f = geo.features();
        int[] ai = new int[f];
        double[][] as = new double[geo.groups()][];
        LayerGram.Cross[] cs = new LayerGram.Cross[geo.groups()];
        for (int grp = 0; grp < geo.groups(); grp++) {
            as[grp] = centred ? gram.aCentred(grp) : gram.a(grp);
            cs[grp] = gram.cross(grp, centred);
        }
        for (int r = 0; r < geo.outputs(); r++) {
            int grp = r / geo.outputsPerGroup();
            double[] a = as[grp];
            LayerGram.Cross c = cs[grp];
            for (int i = 0; i < f; i++) {
                ai[i] = arows[r][i] - fixed; // −1: the fixed zero centroid, which contributes nothing
            }
            for (int i = 0; i < f; i++) {
                int p = ai[i];
                if (p < 0) {
                    continue;
                }
                int base = i * f;
                for (int j = 0; j < f; j++) {
                    int q = ai[j];
                    if (q >= 0) {
                        h[p * free + q] += a[base + j];
                    }
                }
                b[p] += c.dot(i, r, rows[r]);
            }
        }
        // ridge toward the k-means centroids: (H + λI) c = b + λ c0, solved as H' d = b − H c0 for d = c − c0
        double trace = 0;
        for (int i = 0; i < free; i++) {
            trace += h[i * free + i];
        }
        double[] rhs = b.clone();
        for (int i = 0; i < free; i++) {
            for (int j = 0; j < free; j++) {
                rhs[i] -= h[i * free + j] * c0[j + fixed];
            }
        }
        if (trace == 0) {
            return Optional.empty();
        }
        Optional<double[]> d = RidgeFit.solve(h, free, rhs, o.ridge());
        if (d.isEmpty()) {
            return Optional.empty();
        }
        double[] out = c0.clone();
        for (int i = 0; i < free; i++) {
            out[i + fixed] = c0[i + fixed] + d.get()[i];
        }
        return Optional.of(out);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
