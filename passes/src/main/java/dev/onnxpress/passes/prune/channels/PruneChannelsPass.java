package dev.onnxpress.passes.prune.channels;

import dev.onnxpress.analysis.Macs;
import dev.onnxpress.analysis.ModelStats;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.Placement;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Criterion;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Scope;
import dev.onnxpress.passes.core.WeightedLayer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code prune_channels}: structured pruning that physically removes output channels of Conv,
 * ConvTranspose (group 1) and hidden units of Gemm/MatMul, with everything that depends on them.
 *
 * <pre>
 *   X → Conv(W[64,32,3,3]) → BN(64) → Relu → Conv(W[128,64,3,3])
 *   ⇒ X → Conv(W[40,32,3,3]) → BN(40) → Relu → Conv(W[128,40,3,3])        (ratio 0.375)
 * </pre>
 * <ul>
 *   <li>Dependency groups ({@link ChannelGraph}): channels tied by a residual Add or an SE Mul form one
 *       space with one keep-set; Concat maps offsets; depthwise Conv, BN, activations, pooling, Pad,
 *       Resize, Squeeze/Unsqueeze, Transpose carry channels through; Flatten/Reshape → Gemm keeps the
 *       feature block c·S … c·S+S−1 of each kept channel c; Split/Slice on the channel axis get new
 *       sizes and bounds. Anything else leaves the group whole and is recorded as a skip with the reason.
 *       Graph inputs and outputs never change shape.</li>
 *   <li>Ranking ({@link ChannelScores}): bn_gamma (|γ|), l1/l2 filter norms, or mean |activation|;
 *       {@link ReconstructionScores}: reconstruction, ThiNet's greedy choice of the channels whose removal
 *       least changes the consuming layers' outputs on calibration data (scores are relative errors).
 *       {@code scope=global} prunes the {@code ratio} lowest-scoring channels of all selected groups
 *       (l1/l2/activation scores divided by their group's mean, so layers compare; bn_gamma raw, as in
 *       network slimming; reconstruction raw); {@code scope=layer} prunes {@code ratio} of each group.
 *       Kept counts are then raised to {@code min_channels} and up to a multiple of {@code round_to}. {@code ratio_layers} /
 *       {@code ratios} give chosen groups their own ratio (e.g. read off {@code onnxpress sensitivity}:
 *       prune each layer as far as its measured sensitivity allows); those are pruned within themselves
 *       and the rest follow {@code ratio} and {@code scope}.</li>
 *   <li>Compensation ({@link ConsumerRefit}): ridge least squares refit of each consuming layer on
 *       calibration data; the relative output error before/after is reported per layer. The ridge is
 *       fixed or ({@code refit_ridge=held_out}) chosen per layer on held-out calibration rows.</li>
 * </ul>
 * Weights may be initializers or Constant nodes; a weight read elsewhere too is copied, never changed
 * in place. Works on the main graph (channels read inside subgraphs are left alone); any opset.
 */
@PassSpec(id = PruneChannelsPass.ID,
        summary = "Remove whole channels of Conv/Gemm/MatMul layers with their dependency groups"
                + " (network slimming, L1/L2 filter norms, activations, ThiNet reconstruction), optionally refitting"
                + " the next layer.",
        traits = {PassInfo.Trait.LOSSY, PassInfo.Trait.SHRINKS},
        statistics = {
                @Statistic(name = "channels_pruned", doc = "output channels removed, over all layers"),
                @Statistic(name = "layers_pruned", doc = "layers that lost at least one channel"),
                @Statistic(name = "groups_skipped",
                        doc = "dependency groups left whole (each has a skip with its reason)"),
                @Statistic(name = "params_removed", doc = "parameters fewer in the model than before"),
                @Statistic(name = "macs_removed",
                        doc = "multiply-accumulates per inference fewer than before (when MACs are known)"),
                @Statistic(name = "layers_refit",
                        doc = "consuming layers refitted on calibration data (compensate=true)"),
                @Statistic(name = "refit_error_before",
                        doc = "mean relative output error of the refitted layers before the refit"),
                @Statistic(name = "refit_error_after",
                        doc = "mean relative output error of the refitted layers after the refit")})
public final class PruneChannelsPass implements Pass<PruneChannelsOptions> {
    public static final String ID = "prune_channels";

    @Override
    public List<Placement> placement(PruneChannelsOptions options) {
        if (options.criterion() == Criterion.bn_gamma) {
            return List.of(Placement.before("fold_batchnorm",
                    "criterion=bn_gamma ranks channels by the BatchNormalization scales, which fold_batchnorm removes",
                    "move prune_channels(criterion=bn_gamma) before fold_batchnorm, or use criterion=l1"));
        }
        return List.of();
    }

    @Override
    public PassResult run(Model model, PruneChannelsOptions options, PassContext ctx) {
        PassResult.Builder out = PassResult.builder();
        List<Map<String, Tensor>> batches = calibration(options, ctx);
        Graph g = model.graph();
        long opset = model.defaultOpset();
        boolean anySelected = g.nodes().stream().anyMatch(n -> isLayer(n) && options.layers().matches(n));
        if (!anySelected) {
            throw new PassException(ID, "layers selects no Conv, ConvTranspose, Gemm or MatMul node");
        }
        ModelStats statsBefore = ModelStats.of(model);
        Optional<Macs> macsBefore = Macs.estimate(model);
        byte[] original = options.compensate() ? ModelWriter.toBytes(model) : new byte[0];

        Map<Value, long[]> shapes = ShapeProbe.measure(model, batches.isEmpty() ? Optional.empty()
                : Optional.of(batches.get(0)));
        ChannelGraph cg = ChannelGraph.analyze(g, opset, shapes);

        List<ChannelSpace> selected = selectGroups(g, cg, options, out);
        Map<ChannelSpace, double[]> scores = score(model, cg, batches, options, ctx);
        List<ChannelSpace> ranked = scored(selected, scores, options, out);
        Map<ChannelSpace, Double> thresholds = choose(ranked, scores, options);

        List<Map<String, Object>> table = new ArrayList<>();
        long pruned = 0;
        int layers = 0;
        for (ChannelSpace s : ranked) {
            int kept = s.keptCount();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", names(s));
            row.put("channels_before", s.size);
            row.put("channels_after", kept);
            row.put("criterion", options.criterion().name().toLowerCase());
            row.put("threshold", thresholds.getOrDefault(s, Double.NaN));
            table.add(row);
            pruned += s.size - kept;
            layers += kept < s.size ? s.producers.size() : 0;
        }

        Rewriter rw = new Rewriter(model);
        if (pruned > 0) {
            emit(model, cg, opset, rw, batches, ctx, options, original, out);
        }

        ModelStats statsAfter = ModelStats.of(model);
        out.stat("channels_pruned", pruned);
        out.stat("layers_pruned", layers);
        out.add("groups_skipped", 0);
        out.stat("params_removed", statsBefore.parameters() - statsAfter.parameters());
        Optional<Macs> macsAfter = pruned > 0 ? Macs.estimate(model) : macsBefore;
        if (macsBefore.isPresent() && macsAfter.isPresent()) {
            out.stat("macs_removed", macsBefore.get().total() - macsAfter.get().total());
        }
        out.detail("layers", table);
        if (pruned > 0) {
            out.note(pruned + " channels pruned in " + table.stream().filter(r -> (int) r.get("channels_after")
                    < (int) r.get("channels_before")).count() + " groups (" + options.criterion().name().toLowerCase()
                    + ", " + options.scope().name().toLowerCase() + ")");
        }
        return out.build(rw.changes() > 0);
    }

    /** The calibration samples the options need (none when neither the criterion nor compensate reads data). */
    private static List<Map<String, Tensor>> calibration(PruneChannelsOptions options, PassContext ctx) {
        boolean dataCriterion = options.criterion() == Criterion.activation
                || options.criterion() == Criterion.reconstruction;
        boolean needsData = dataCriterion || options.compensate();
        if (needsData && options.calibration().isEmpty()) {
            throw new PassException(ID, (dataCriterion ? "criterion=" + options.criterion().name().toLowerCase()
                    : "compensate=true")
                    + " needs calibration data: add calibration=<data set>");
        }
        List<Map<String, Tensor>> batches = options.calibration().map(ctx::samples).orElse(List.of());
        if (needsData && batches.isEmpty()) {
            throw new PassException(ID, "calibration data set '" + options.calibration().map(DataRef::name)
                    .orElse("") + "' is empty");
        }
        return batches;
    }

    /** The channel groups a selected layer produces that can be pruned; the others are skipped with why. */
    private static List<ChannelSpace> selectGroups(Graph g, ChannelGraph cg, PruneChannelsOptions options,
            PassResult.Builder out) {
        for (Node n : g.nodes()) {
            Value w = n.input(1);
            if (isLayer(n) && options.layers().matches(n) && w.isInitializer() && w.isGraphInput()) {
                WeightedLayer.whyNot(n).ifPresent(why -> out.skip(n.label(), why));
            }
        }
        List<ChannelSpace> selected = new ArrayList<>();
        for (ChannelSpace s : cg.roots()) {
            if (s.producers.isEmpty() || s.producers.stream().noneMatch(options.layers()::matches)) {
                continue;
            }
            if (!s.blockedReason().isEmpty()) {
                out.skip(names(s), s.blockedReason());
                out.add("groups_skipped", 1);
                continue;
            }
            selected.add(s);
        }
        return selected;
    }

    /** Each channel's score by the criterion (higher: more important). */
    private static Map<ChannelSpace, double[]> score(Model model, ChannelGraph cg, List<Map<String, Tensor>> batches,
            PruneChannelsOptions options, PassContext ctx) {
        Optional<Map<Value, double[]>> activations = options.criterion() == Criterion.activation
                ? Optional.of(activationMeans(model, cg, batches)) : Optional.empty();
        return options.criterion() == Criterion.reconstruction
                ? new IdentityHashMap<>(ReconstructionScores.compute(model, cg, batches, ctx.random(),
                        options.compensate()))
                : ChannelScores.compute(options.criterion(), cg, model.graph(), activations);
    }

    /** The selected groups the criterion could score; the others are skipped with why. */
    private static List<ChannelSpace> scored(List<ChannelSpace> selected, Map<ChannelSpace, double[]> scores,
            PruneChannelsOptions options, PassResult.Builder out) {
        List<ChannelSpace> ranked = new ArrayList<>();
        for (ChannelSpace s : selected) {
            if (scores.containsKey(s)) {
                ranked.add(s);
            } else {
                out.skip(names(s), switch (options.criterion()) {
                    case bn_gamma -> "no BatchNormalization normalizes these channels (criterion=bn_gamma)";
                    case reconstruction -> "no Conv (2-D, group 1), Gemm or MatMul reads all of these channels,"
                            + " so criterion=reconstruction cannot measure them";
                    default -> "no score for these channels (no layer reads them)";
                });
                out.add("groups_skipped", 1);
            }
        }
        return ranked;
    }

    /** Cuts the chosen channels out of every tensor of their groups, then refits the consumers if asked. */
    private static void emit(Model model, ChannelGraph cg, long opset, Rewriter rw,
            List<Map<String, Tensor>> batches, PassContext ctx, PruneChannelsOptions options, byte[] original,
            PassResult.Builder out) {
        Map<Node, int[]> keptOutputs = new IdentityHashMap<>();
        List<Node> refit = new ArrayList<>();
        for (Node c : cg.consumers) {
            if (cg.layouts.get(c.input(0)).changed()) {
                refit.add(c);
                ChannelSegments o = cg.layouts.get(c.output(0));
                keptOutputs.put(c, o.keptIndices());
            }
        }
        ConstantEditor ed = new ConstantEditor(rw);
        new ChannelSurgery(cg, model.graph(), ed, opset).apply();
        if (options.compensate()) {
            compensate(model, ed, batches, ctx, options.refit_ridge(), original, refit, keptOutputs, out);
        }
    }

    private static boolean isLayer(Node n) {
        return n.is("Conv") || n.is("ConvTranspose") || n.is("Gemm") || n.is("MatMul");
    }

    private static String names(ChannelSpace s) {
        return String.join("+", s.producers.stream().map(Node::label).toList());
    }

    /** Sets each space's keep-set; returns the score threshold under which channels went. */
    private static Map<ChannelSpace, Double> choose(List<ChannelSpace> spaces, Map<ChannelSpace, double[]> scores,
            PruneChannelsOptions o) {
        Map<ChannelSpace, Double> thresholds = new IdentityHashMap<>();
        Map<ChannelSpace, Integer> prune = new IdentityHashMap<>();
        // groups with their own ratio (ratio_layers/ratios) are pruned within themselves, like scope=layer
        List<ChannelSpace> own = new ArrayList<>();
        List<ChannelSpace> shared = new ArrayList<>();
        for (ChannelSpace s : spaces) {
            Optional<Double> r = o.ratioFor(s.producers);
            if (r.isPresent() || o.scope() == Scope.layer) {
                own.add(s);
                prune.put(s, (int) Math.floor(r.orElse(o.ratio()) * s.size + 1e-9));
            } else {
                shared.add(s);
            }
        }
        if (!shared.isEmpty()) {
            spaces = shared;
            // bn_gamma compares raw (network slimming); reconstruction scores are relative errors already
            boolean raw = o.criterion() == Criterion.bn_gamma || o.criterion() == Criterion.reconstruction;
            List<double[]> all = new ArrayList<>(); // {score, space index}
            for (int i = 0; i < spaces.size(); i++) {
                double[] sc = raw ? scores.get(spaces.get(i)) : ChannelScores.normalized(scores.get(spaces.get(i)));
                scores.put(spaces.get(i), sc);
                for (double v : sc) {
                    all.add(new double[] {v, i});
                }
            }
            all.sort((a, b) -> Double.compare(a[0], b[0]));
            int k = (int) Math.floor(o.ratio() * all.size() + 1e-9);
            for (ChannelSpace s : spaces) {
                prune.put(s, 0);
            }
            for (int i = 0; i < k; i++) {
                prune.merge(spaces.get((int) all.get(i)[1]), 1, Integer::sum);
            }
            double t = k == 0 ? Double.NaN : all.get(k - 1)[0];
            spaces.forEach(s -> thresholds.put(s, t));
        }
        for (ChannelSpace s : prune.keySet()) {
            int keep = s.size - prune.get(s);
            keep = Math.max(keep, Math.max(1, o.min_channels()));
            keep = (int) Math.min(s.size, (long) Math.ceil(keep / (double) o.round_to()) * o.round_to());
            keep = Math.min(keep, s.size);
            double[] sc = scores.get(s);
            Integer[] order = new Integer[s.size];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(sc[b], sc[a]));
            boolean[] k = new boolean[s.size];
            for (int i = 0; i < keep; i++) {
                k[order[i]] = true;
            }
            s.setKeep(k);
            if (own.contains(s)) {
                double t = Double.NaN;
                for (int i = keep; i < order.length; i++) {
                    t = Double.isNaN(t) ? sc[order[i]] : Math.max(t, sc[order[i]]);
                }
                thresholds.put(s, t);
            }
        }
        return thresholds;
    }

    /** Mean |x| per channel of every consumer input, on the calibration batches (unpruned model). */
    private static Map<Value, double[]> activationMeans(Model model, ChannelGraph cg,
            List<Map<String, Tensor>> batches) {
        Map<String, Value> byName = new LinkedHashMap<>();
        for (Node c : cg.consumers) {
            byName.put(c.input(0).name(), c.input(0));
        }
        Map<Value, double[]> sums = new IdentityHashMap<>();
        if (byName.isEmpty()) {
            return sums;
        }
        TapRunner.run(ModelWriter.toBytes(model), List.copyOf(byName.keySet()), batches, (b, taps) -> {
            for (Map.Entry<String, Value> e : byName.entrySet()) {
                Value v = e.getValue();
                ChannelSegments l = cg.layouts.get(v);
                double[] m = TapRunner.meanAbsPerChannel(taps.get(e.getKey()), l.axis());
                double[] s = sums.computeIfAbsent(v, x -> new double[m.length]);
                for (int i = 0; i < m.length; i++) {
                    s[i] += m[i] / batches.size();
                }
            }
        });
        return sums;
    }

    private static void compensate(Model model, ConstantEditor ed, List<Map<String, Tensor>> batches,
            PassContext ctx, PruneChannelsOptions.RefitRidge refitRidge, byte[] original, List<Node> refit, Map<Node, int[]> keptOutputs,
            PassResult.Builder out) {
        ConsumerRefit r = new ConsumerRefit(model, ed, batches, ctx.random(), refitRidge);
        List<ConsumerRefit.Outcome> outcomes = r.run(original, refit, keptOutputs,
                msg -> out.skip(msg.substring(0, msg.indexOf(':')), "not compensated: "
                        + msg.substring(msg.indexOf(':') + 2)));
        List<Map<String, Object>> rows = new ArrayList<>();
        double before = 0;
        double after = 0;
        for (ConsumerRefit.Outcome o : outcomes) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", o.layer());
            row.put("rows", o.rows());
            row.put("error_before", o.errorBefore());
            row.put("error_after", o.errorAfter());
            row.put("ridge", o.ridge());
            rows.add(row);
            before += o.errorBefore() / outcomes.size();
            after += o.errorAfter() / outcomes.size();
        }
        out.stat("layers_refit", outcomes.size());
        if (!outcomes.isEmpty()) {
            out.stat("refit_error_before", before);
            out.stat("refit_error_after", after);
            out.note(String.format("compensation refit %d layers: mean relative output error %.4f -> %.4f",
                    outcomes.size(), before, after));
        }
        out.detail("compensation", rows);
    }
}
