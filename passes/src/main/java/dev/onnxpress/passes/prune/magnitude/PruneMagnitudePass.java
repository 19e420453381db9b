package dev.onnxpress.passes.prune.magnitude;

import dev.onnxpress.passes.core.Cholesky;
import dev.onnxpress.passes.core.FitReference;
import dev.onnxpress.passes.core.LayerGeometry;
import dev.onnxpress.passes.core.LayerGram;
import dev.onnxpress.passes.core.RidgeFit;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.passes.core.WeightedLayer;
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
 * <p>{@code reference=input} fits the pipeline's input model instead ({@link FitReference}): Xd and the target
 * weights w (and bias) come from the original dense layer, so a later step compensates the error of an
 * earlier lossy one instead of freezing it in. Whatever the criterion, weights that are already zero stay
 * pruned (they count toward the sparsity and no refit revives them), and the rows of outputs that nothing
 * reads (the next layer's weights on them all zero, {@link OutputReads}) go first, at no cost.
 * {@code weigh_outputs=true} scales each output's scores by how strongly the next layers read it, so that
 * rows whose errors are amplified downstream keep more weights (OBS-style weighting of output errors).
 */
@PassSpec(id = PruneMagnitudePass.ID,
        summary = "Zero the smallest-magnitude weights (unstructured), optionally refitting survivors on calibration data.",
        traits = {PassInfo.Trait.LOSSY},
        statistics = {
                @Statistic(name = "layers_pruned", doc = "layers whose weights were pruned"),
                @Statistic(name = "weights_total", doc = "weights in the pruned layers"),
                @Statistic(name = "weights_zeroed", doc = "weights this step set to zero"),
                @Statistic(name = "sparsity_fraction",
                        doc = "fraction of the pruned layers' weights that are zero afterwards"),
                @Statistic(name = "layers_compensated",
                        doc = "layers whose surviving weights were refitted on calibration data")})
public final class PruneMagnitudePass implements Pass<PruneMagnitudeOptions> {
    public static final String ID = "prune_magnitude";

    @Override
    public PassResult run(Model model, PruneMagnitudeOptions o, PassContext ctx) {
        checkOptions(o);
        PassResult.Builder result = PassResult.builder();
        List<WeightedLayer> layers = WeightedLayer.selected(model.graph().nodes(), o.layers(), result);
        if (layers.isEmpty()) {
            return result.stat("layers_pruned", 0).build(false);
        }
        FitReference ref = o.compensate() ? FitReference.of(ID, o.reference(), model, ctx) : null;
        List<Priority> priorities = new ArrayList<>();
        for (WeightedLayer l : layers) {
            priorities.add(Priority.of(l, o.weigh_outputs()));
        }
        Masks keep = new Masks(layers, o, priorities);
        Rewriter rw = new Rewriter(model);
        ConstantEditor editor = new ConstantEditor(rw);
        List<Map<String, Tensor>> batches = o.compensate() ? ctx.samples(o.calibration().get()) : List.of();
        Tally tally = new Tally(layers, keep, priorities, editor, ctx);
        ctx.progress().start(ID, layers.size());
        if (o.compensate()) {
            // fittable layers gather their moments in grouped runs; the others are pruned on the way
            List<FitReference.Request> requests = new ArrayList<>();
            List<Integer> requested = new ArrayList<>();
            String[] plain = new String[layers.size()];
            for (int li = 0; li < layers.size(); li++) {
                WeightedLayer l = layers.get(li);
                StringBuilder why = new StringBuilder();
                Optional<FitReference.Fit> fit = ref.fit(l, o.max_features(), why);
                if (fit.isPresent()) {
                    requests.add(new FitReference.Request(l, fit.get()));
                    requested.add(li);
                } else {
                    result.skip(l.node().label(), "not compensated: " + why);
                    plain[li] = why.toString(); // pruned by magnitude when its turn comes
                }
            }
            ref.grams(model, requests, batches, o.max_rows(), ctx.random(),
                    new FitReference.Fitter() {
                        @Override
                        public void beforeGroup(int index) {
                            tally.applyUpTo(requested.get(index), plain);
                        }

                        @Override
                        public void fit(int index, LayerGram gram) {
                            int li = requested.get(index);
                            tally.applyUpTo(li, plain);
                            Pruned p = compensated(model, layers.get(li), keep.of(li), priorities.get(li), o,
                                    requests.get(index).fit(), gram, editor);
                            tally.apply(li, p);
                        }
                    });
            tally.applyUpTo(layers.size(), plain);
        } else {
            for (int li = 0; li < layers.size(); li++) {
                tally.apply(li, tally.plain(li, ""));
            }
        }
        ctx.progress().finish();
        result.stat("layers_pruned", layers.size()).stat("weights_total", tally.total)
                .stat("weights_zeroed", tally.zeroed)
                .stat("sparsity_fraction", round((double) tally.zeros / Math.max(1, tally.total)))
                .stat("layers_compensated", tally.compensated);
        result.detail("layers", tally.table);
        return result.build(rw.changes() > 0);
    }

    /** Writes each layer's outcome in layer order and counts it. */
    private static final class Tally {
        final List<WeightedLayer> layers;
        final Masks keep;
        final List<Priority> priorities;
        final ConstantEditor editor;
        final PassContext ctx;
        final List<Map<String, Object>> table = new ArrayList<>();
        long total;
        long zeros;
        long zeroed;
        int compensated;
        int next;

        Tally(List<WeightedLayer> layers, Masks keep, List<Priority> priorities, ConstantEditor editor,
                PassContext ctx) {
            this.layers = layers;
            this.keep = keep;
            this.priorities = priorities;
            this.editor = editor;
            this.ctx = ctx;
        }

        /** Writes the not-fitted layers before {@code li} that are still pending ({@code plain}: why not fitted). */
        void applyUpTo(int li, String[] plain) {
            while (next < li && plain[next] != null) {
                apply(next, plain(next, plain[next]));
            }
        }

        /** Layer {@code li} pruned by its magnitude mask, not refitted: built when written, one layer at a time. */
        Pruned plain(int li, String note) {
            return new Pruned(keep.of(li), layers.get(li).tensor().toDoubleArray(), false, note);
        }

        void apply(int li, Pruned p) {
            if (li != next) {
                throw new IllegalStateException("layer " + li + " written before layer " + next);
            }
            WeightedLayer l = layers.get(li);
            double[] x = l.tensor().toDoubleArray();
            long before = countNonzero(x);
            double[] out = p.weights();
            for (int i = 0; i < out.length; i++) {
                if (!p.keep()[i]) {
                    out[i] = 0;
                }
            }
            long after = countNonzero(out);
            Tensor w = l.tensor();
            editor.setConstantInput(l.node(), l.weightInput(), Tensor.of(w.dataType(), w.dims(), out),
                    l.weight().name());
            total += out.length;
            zeros += out.length - after;
            zeroed += Math.max(0, before - after);
            compensated += p.refit() ? 1 : 0;
            table.add(row(l, before, after, out.length, priorities.get(li), p));
            next++;
            ctx.progress().step(next);
        }
    }

    private static void checkOptions(PruneMagnitudeOptions o) {
        if (o.criterion() != PruneMagnitudeOptions.Criterion.magnitude && !o.compensate()) {
            throw new PassException(ID, "criterion=" + o.criterion() + " needs compensate=true (and calibration=<data set>)");
        }
        if (o.compensate() && o.calibration().isEmpty()) {
            throw new PassException(ID, "compensate=true needs calibration=<data set>");
        }
        if (o.reference() == FitReference.Source.input && !o.compensate()) {
            throw new PassException(ID, "reference=input only changes what compensation fits: add compensate=true");
        }
    }

    /** A layer's outcome: which weights stay, their values before masking, whether they were refitted. */
    private record Pruned(boolean[] keep, double[] weights, boolean refit, String note) {
    }

    /**
     * The data-driven choice for one layer: the mask by the criterion on the layer's calibration Gram, then
     * the survivors (and the bias, with refit_bias) refitted; the magnitude mask and the plain weights with a
     * skip when the layer cannot be fitted.
     */
    private static Pruned compensated(Model model, WeightedLayer l, boolean[] magnitudeMask, Priority pr,
            PruneMagnitudeOptions o, FitReference.Fit fit, LayerGram gram, ConstantEditor editor) {
        LayerGeometry geo = fit.geo();
        FitReference.Target t = fit.target();
        double[][] target = t.rows();
        boolean[] k = magnitudeMask;
        if (o.criterion() == PruneMagnitudeOptions.Criterion.activation) {
            k = activationMask(l, geo, gram, o.sparsity(), pr);
        } else if (o.criterion() == PruneMagnitudeOptions.Criterion.obs) {
            k = obsMask(l, geo, gram, target, o, pr);
        }
        Optional<double[]> bias = o.refit_bias() ? FitReference.bias(l.node(), geo) : Optional.empty();
        double[] newBias = bias.isPresent() ? t.bias().orElse(new double[geo.outputs()]).clone() : null;
        double[] refitted = compensate(l, geo, target, k, gram, o, newBias);
        if (bias.isPresent()) {
            Tensor bt = model.graph().constantValue(l.node().input(2)).orElseThrow();
            editor.setConstantInput(l.node(), 2, Tensor.of(bt.dataType(), bt.dims(), newBias),
                    l.node().input(2).name());
        }
        return new Pruned(k, refitted, true, "");
    }

    private static Map<String, Object> row(WeightedLayer l, long before, long after, int weights, Priority pr,
            Pruned p) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("layer", l.node().label());
        row.put("op", l.node().opType());
        row.put("weights", (long) weights);
        row.put("nonzeros_before", before);
        row.put("nonzeros", after);
        row.put("sparsity", round(1.0 - (double) after / weights));
        row.put("unread_outputs", pr.unreadOutputs());
        row.put("compensated", p.refit());
        if (!p.note().isEmpty()) {
            row.put("note", p.note());
        }
        return row;
    }

    /**
     * Per output row of a layer: whether anything reads it, and the weight of its error; per weight (tensor layout,
     * built on demand from the layer's weights, one layer at a time): whether it must go whatever its score
     * (already zero: a pruned weight stays pruned; or on an output nothing reads), and the weight of its output's
     * error.
     */
    record Priority(WeightedLayer layer, boolean[] readRows, int unreadOutputs, Optional<LayerGeometry> geo,
            double[] rowWeight) {
        static Priority of(WeightedLayer l, boolean weighOutputs) {
            Optional<LayerGeometry> geo = LayerGeometry.of(l, new StringBuilder());
            if (geo.isEmpty()) {
                return new Priority(l, null, 0, geo, new double[0]);
            }
            LayerGeometry lg = geo.get();
            OutputReads reads = OutputReads.of(l, lg);
            int unread = 0;
            double[] rowWeight = new double[lg.outputs()];
            boolean[] read = new boolean[lg.outputs()];
            for (int r = 0; r < rowWeight.length; r++) {
                rowWeight[r] = weighOutputs ? reads.weight()[r] : 1;
                read[r] = reads.read()[r];
                unread += read[r] ? 0 : 1;
            }
            return new Priority(l, read, unread, geo, rowWeight);
        }

        /** Per weight: already zero, or on an output nothing reads. */
        boolean[] mustGo() {
            return mustGo(layer.tensor().toFloatArray());
        }

        boolean[] mustGo(float[] w) {
            boolean[] go = new boolean[w.length];
            for (int i = 0; i < w.length; i++) {
                go[i] = w[i] == 0;
            }
            if (geo.isPresent()) {
                LayerGeometry lg = geo.get();
                for (int r = 0; r < rowWeight.length; r++) {
                    if (!readRows[r]) {
                        for (int f = 0; f < lg.features(); f++) {
                            go[lg.index(r, f)] = true;
                        }
                    }
                }
            }
            return go;
        }

        /** Per weight: the weight of its output's error (1 without a row layout), through float as stored. */
        double[] outputWeight(int n) {
            double[] weight = new double[n];
            Arrays.fill(weight, 1);
            if (geo.isPresent()) {
                LayerGeometry lg = geo.get();
                for (int r = 0; r < rowWeight.length; r++) {
                    for (int f = 0; f < lg.features(); f++) {
                        weight[lg.index(r, f)] = (float) rowWeight[r];
                    }
                }
            }
            return weight;
        }

        /** The magnitude scores of the layer's weights: −1 for a weight that must go. */
        double[] scores() {
            float[] w = layer.tensor().toFloatArray();
            boolean[] go = mustGo(w);
            double[] ow = outputWeight(w.length);
            double[] s = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                s[i] = go[i] ? -1 : Math.abs(w[i]) * Math.sqrt(ow[i]);
            }
            return s;
        }

        boolean[][] mustGoRows() {
            return geo.orElseThrow().rows(mustGo());
        }
    }

    /**
     * Which weights survive, per layer: the highest scores, weights that must go first. Built one layer at a time
     * when asked (every layer's scores at once cost 9 bytes per weight: more than a multi-GB model's heap); the
     * global threshold is found by selection over the scores streamed layer by layer ({@link GlobalThreshold}).
     */
    static final class Masks {
        private final List<Priority> priorities;
        private final double sparsity;
        private final boolean global;
        private final double threshold;

        Masks(List<WeightedLayer> layers, PruneMagnitudeOptions o, List<Priority> priorities) {
            this.priorities = priorities;
            this.sparsity = o.sparsity();
            this.global = o.scope() == PruneMagnitudeOptions.Scope.global;
            if (global) {
                long n = 0;
                for (WeightedLayer l : layers) {
                    n += l.tensor().elementCount();
                }
                long k = (long) Math.floor(o.sparsity() * n);
                this.threshold = k <= 0 ? -1
                        : GlobalThreshold.kth(priorities.size(), li -> priorities.get(li).scores(), Math.min(k, n) - 1);
            } else {
                this.threshold = Double.NaN;
            }
        }

        boolean[] of(int li) {
            double[] s = priorities.get(li).scores();
            if (!global) {
                return keepLargest(s, sparsity);
            }
            boolean[] k = new boolean[s.length];
            for (int i = 0; i < s.length; i++) {
                k[i] = s[i] >= 0 && s[i] > threshold;
            }
            return k;
        }
    }

    /**
     * Keeps all but the floor(sparsity·n) lowest scores, ties dropped in index order (as a stable sort
     * would); negative scores (must go) never survive. One primitive sort for the threshold, then a scan.
     */
    static boolean[] keepLargest(double[] score, double sparsity) {
        int n = score.length;
        int drop = (int) Math.floor(sparsity * n);
        boolean[] k = new boolean[n];
        if (drop <= 0) {
            for (int i = 0; i < n; i++) {
                k[i] = score[i] >= 0;
            }
            return k;
        }
        double[] sorted = score.clone();
        Arrays.sort(sorted);
        double t = sorted[Math.min(drop, n) - 1];
        int below = 0;
        for (double s : score) {
            below += Double.compare(s, t) < 0 ? 1 : 0;
        }
        int ties = drop - below;
        for (int i = 0; i < n; i++) {
            int c = Double.compare(score[i], t);
            boolean dropped = c < 0 || (c == 0 && ties-- > 0);
            k[i] = !dropped && score[i] >= 0;
        }
        return k;
    }

    /** Keeps the largest |w_of|·sqrt(A_ff) of the layer: a weight on a quiet input matters little (Wanda). */
    private static boolean[] activationMask(WeightedLayer l, LayerGeometry geo, LayerGram gram, double sparsity,
            Priority pr) {
        Tensor w = l.tensor();
        double[][] rows = geo.rows(w);
        int f = geo.features();
        double[][] score = new double[geo.outputs()][f];
        for (int r = 0; r < geo.outputs(); r++) {
            double[] a = gram.a(r / geo.outputsPerGroup());
            for (int i = 0; i < f; i++) {
                score[r][i] = Math.abs(rows[r][i]) * Math.sqrt(Math.max(0, a[i * f + i]) * pr.rowWeight()[r]);
            }
        }
        float[] flat = geo.values(score);
        boolean[] go = pr.mustGo();
        double[] s = new double[flat.length];
        for (int i = 0; i < flat.length; i++) {
            s[i] = go[i] ? -1 : flat[i];
        }
        return keepLargest(s, sparsity);
    }

    /** {@link ObsMask} over the layer's target rows, back in the weight tensor's layout. */
    private static boolean[] obsMask(WeightedLayer l, LayerGeometry geo, LayerGram gram, double[][] target,
            PruneMagnitudeOptions o, Priority pr) {
        Tensor w = l.tensor();
        boolean[] keep = geo.flat(ObsMask.select(geo, gram, target, o.sparsity(), Math.max(o.ridge(), 0.01),
                pr.mustGoRows(), pr.rowWeight()));
        boolean[] go = pr.mustGo();
        for (int i = 0; i < keep.length; i++) {
            keep[i] &= !go[i];
        }
        return keep;
    }

    /**
     * Refits each row's survivors to the target rows (the reference layer's weights, on the reference's
     * features); with {@code bias} (the reference bias, updated in place) on mean-centred features, the bias
     * taking the mean shift: w' = argmin ‖(Xq−μq)w' − (Xd−μd)w‖², b' = b + μd·w − μq·w'. A row whose fit
     * fails keeps its target weights on the mask.
     */
    private static double[] compensate(WeightedLayer l, LayerGeometry geo, double[][] target, boolean[] keep,
            LayerGram gram, PruneMagnitudeOptions o, double[] bias) {
        Tensor w = l.tensor();
        double[][] rows = new double[target.length][];
        boolean[][] keepRows = geo.rows(keep);
        int f = geo.features();
        // rows are independent fits (each writes only its own row and bias entry): shared among threads; each
        // thread reuses one system and one factor buffer for its rows (a fresh pair per row is up to 2 × 42 MB
        // at 2,304 features, which made the heap grow far beyond what is live), sized for the most survivors
        // of any row (m² values, about a quarter of f² at 50 % sparsity)
        int most = 0;
        for (boolean[] kr : keepRows) {
            int m = 0;
            for (boolean b : kr) {
                m += b ? 1 : 0;
            }
            most = Math.max(most, m);
        }
        int size = most * most;
        java.util.Map<Thread, double[][]> buffers = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.stream.IntStream.range(0, geo.outputs()).parallel().forEach(r -> {
            double[][] buf = buffers.computeIfAbsent(Thread.currentThread(),
                    t -> new double[][] {new double[size], new double[size]});
            rows[r] = refitRow(r, r / geo.outputsPerGroup(), target[r], keepRows[r], gram, o.ridge(), bias, buf);
        });
        float[] v = geo.values(rows);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /**
     * Row {@code r} (of group {@code grp}) refitted on its survivors, or {@code target} itself when none
     * survive or the fit fails; with {@code bias}, adds the row's mean shift to {@code bias[r]}. {@code buf}
     * holds two f×f scratch arrays (system and factor), the calling thread's own.
     */
    private static double[] refitRow(int r, int grp, double[] target, boolean[] keep, LayerGram gram, double ridge,
            double[] bias, double[][] buf) {
        int f = target.length;
        double[] a = gram.a(grp);
        LayerGram.Cross c = gram.cross(grp, false);
        double[] mq = bias != null ? gram.meanQ(grp) : new double[f];
        double[] md = bias != null ? gram.meanD(grp) : new double[f];
        double cnt = gram.count(grp);
        double mdw = 0;
        for (int j = 0; j < f; j++) {
            mdw += md[j] * target[j];
        }
        int[] s = new int[f];
        int m = 0;
        for (int i = 0; i < f; i++) {
            if (keep[i]) {
                s[m++] = i;
            }
        }
        if (m == 0) {
            if (bias != null) {
                bias[r] += mdw; // the row is gone: its mean output moves into the bias
            }
            return target.clone();
        }
        double[] sub = buf[0];
        double[] rhs = new double[m];
        for (int i = 0; i < m; i++) {
            int si = s[i];
            // the lower triangle only: the factorisation reads no other entry
            for (int j = 0; j <= i; j++) {
                sub[i * m + j] = a[si * f + s[j]] - cnt * mq[si] * mq[s[j]];
            }
            rhs[i] = c.dot(si, r, target) - cnt * mq[si] * mdw;
        }
        Optional<double[]> sol = RidgeFit.solve(sub, m, rhs, ridge, buf[1]);
        double[] row = sol.isPresent() ? new double[f] : target.clone();
        double mqw = 0;
        for (int i = 0; i < m; i++) {
            double x = sol.isPresent() ? sol.get()[i] : target[s[i]];
            row[s[i]] = x;
            mqw += mq[s[i]] * x;
        }
        if (bias != null) {
            bias[r] += mdw - mqw;
        }
        return row;
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
