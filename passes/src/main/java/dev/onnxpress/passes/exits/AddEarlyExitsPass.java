package dev.onnxpress.passes.exits;

import dev.onnxpress.analysis.Macs;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.core.TapStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code add_early_exits}: BranchyNet-style early exits fitted without retraining and emitted as ONNX If,
 * so a stock runtime really skips the rest of the network for confident inputs.
 *
 * <pre>
 *   X → A → t → B → C → logits
 *   ⇒ X → A → t → GAP → Flatten → Gemm → z ; gate = max_batch H(softmax z) &lt; τ
 *            If(gate) then: Identity(z)   else: t → B → C → logits      (outputs keep their names)
 * </pre>
 * <ul>
 *   <li>Heads ({@link LinearHead}): average pooling of the tapped activation over a 2×2 grid of windows
 *       (global for maps under 2×2; rank-2 taps are used as they are), a linear classifier by closed-form ridge regression on one-hot targets (labels when
 *       the data set has them, else the full model's own predictions), then an inverse temperature chosen
 *       by likelihood so that the entropy is a meaningful confidence.</li>
 *   <li>Heads are fitted on 60% of the calibration samples; thresholds are chosen on the other 40%, greedily
 *       in network order: each exit takes as many of the remaining samples (lowest entropy first) as keeps
 *       accuracy within {@code max_drop} of the full model, which maximizes the MACs saved at that exit.</li>
 *   <li>Several exits nest: the second If lives in the first one's else-branch, and so on.</li>
 *   <li>{@code gating=batch} (default): the gate exits a batch only when every sample in it is confident, so
 *       the model's results depend on the batch size (the pass is {@link PassInfo.Trait#BATCH_DEPENDENT}): batch
 *       size 1 is the intended use, and the pipeline verifies the step there. {@code gating=per_sample} wraps the
 *       network in a Loop over the batch ({@link PerSampleLoop}) so each sample exits on its own.</li>
 *   <li>The thresholds are checked as deployed ({@link DeployedCheck}): the emitted model runs one sample at a
 *       time over the held-out samples; while its accuracy falls more than {@code max_drop} below the full
 *       model's, the deepest exit's threshold is lowered.</li>
 *   <li>{@code auto_count=N} (with {@code after=[]}) measures a head at every Relu/pooling/Add output that
 *       costs under 70% of the MACs and keeps the N points that alone would save the most MACs.</li>
 * </ul>
 * Needs one float output of shape [N, K] (logits, or probabilities when it comes from a Softmax, which the
 * exit then reproduces); a float16/double output gets a Cast. Opsets ≥ 11 (If with outer-scope reads).
 */
@PassSpec(id = AddEarlyExitsPass.ID,
        summary = "Insert entropy-gated early exits (BranchyNet) with side classifiers fitted on calibration data,"
                + " emitted as ONNX If so the rest of the network is skipped for confident inputs.",
        traits = {PassInfo.Trait.LOSSY, PassInfo.Trait.BATCH_DEPENDENT},
        statistics = {
                @Statistic(name = "exits_added", doc = "early exits inserted"),
                @Statistic(name = "accuracy_full",
                        doc = "the full model's accuracy on the held-out calibration samples"),
                @Statistic(name = "accuracy_with_exits", doc = "accuracy with the exits, as the pass simulated them"),
                @Statistic(name = "accuracy_deployed",
                        doc = "accuracy of the written model run one sample at a time in ONNX Runtime"),
                @Statistic(name = "deployed_agreement",
                        doc = "fraction of samples where the written model and the simulation agree"),
                @Statistic(name = "macs_full", doc = "multiply-accumulates per sample of the full model"),
                @Statistic(name = "macs_expected", doc = "expected multiply-accumulates per sample with the exits"),
                @Statistic(name = "macs_saved_fraction", doc = "1 − macs_expected / macs_full")})
public final class AddEarlyExitsPass implements Pass<AddEarlyExitsOptions> {
    public static final String ID = "add_early_exits";

    private static final Set<String> AUTO_OPS = Set.of("Relu", "LeakyRelu", "Clip", "MaxPool", "AveragePool",
            "Add", "Concat", "Sigmoid", "HardSwish");

    /** A batch gate depends on every sample of the batch; per-sample gating does not. */
    @Override
    public boolean batchDependent(AddEarlyExitsOptions options) {
        return options.gating() == AddEarlyExitsOptions.Gating.batch;
    }

    /** One candidate exit point with everything measured about it. */
    private record Point(Node node, Value tap, long macsBefore, float[][] features, int[] spatial) {
    }

    @Override
    public PassResult run(Model model, AddEarlyExitsOptions o, PassContext ctx) {
        Value out = classifierOutput(model.graph());
        if (o.after().isEmpty() && o.auto_count() == 0) {
            throw new PassException(ID, "no exit point: give after=[selectors] or auto_count=N");
        }
        refuseQuantizedActivations(model.graph());
        List<Map<String, Tensor>> batches = ctx.samples(o.calibration());
        if (batches.isEmpty()) {
            throw new PassException(ID, "calibration data set '" + o.calibration().name() + "' is empty");
        }
        Map<String, Long> macsOf = new LinkedHashMap<>();
        long macsTotal = Macs.estimate(model).map(m -> {
            m.perNode().forEach(nm -> macsOf.merge(nm.node(), nm.macs(), Long::sum));
            return m.total();
        }).orElse(0L);

        List<Node> candidates = findCandidates(model.graph(), out, o);
        Measured measured = measure(model, out, candidates, batches, o);
        Calibration cal = calibration(measured.fullOut(), ctx, o);
        List<Point> points = points(candidates, measured, cal.n(), macsOf, macsTotal, o);
        Exits exits = fitHeads(points, cal, macsTotal, o);
        Choice choice = chooseThresholds(model, exits, cal, batches, out, o);
        int added = emit(model, exits.points(), exits.heads(), choice.th(), choice.softmaxOut(), o.gating());
        return report(exits, cal, choice, macsTotal, added);
    }

    /**
     * Exits move the layers after each exit point into an If branch. ONNX Runtime 1.29's graph optimizer
     * (sessions with optimizations on, the default) aborts the whole process when QuantizeLinear nodes sit
     * inside such a branch (an int8 QDQ model with exits loads with optimizations off, then kills the process
     * that opens it normally), so a model with quantized activations is refused rather than written.
     */
    private static void refuseQuantizedActivations(Graph g) {
        long q = g.nodes().stream().filter(n -> n.is("QuantizeLinear")).count();
        if (q > 0) {
            throw new PassException(ID, "the model quantizes activations (" + q + " QuantizeLinear nodes); exits"
                    + " would move them into If branches, where ONNX Runtime's optimizer aborts the process that"
                    + " loads the model: add exits to the float model (quantize_int8 before add_early_exits is"
                    + " not supported)");
        }
    }

    /** The one float classifier output [N, classes] the exits reproduce; anything else is refused. */
    private static Value classifierOutput(Graph g) {
        if (g.outputs().size() != 1) {
            throw new PassException(ID, "the model has " + g.outputs().size() + " outputs; early exits need one"
                    + " classifier output");
        }
        Value out = g.outputs().get(0);
        DataType outType = out.tensorType().map(t -> t.elemType()).orElse(DataType.FLOAT);
        if (!outType.isFloatingPoint()) {
            throw new PassException(ID, "output '" + out.name() + "' is " + outType + ", not a float classifier output");
        }
        int declaredRank = out.tensorType().flatMap(t -> t.shape()).map(List::size).orElse(2);
        if (declaredRank != 2) {
            throw new PassException(ID, "output '" + out.name() + "' has rank " + declaredRank + "; early exits need a"
                    + " classifier output [N, classes]");
        }
        return out;
    }

    /** Find units: the nodes {@code after} selects, or with {@code auto_count} every node of {@link #AUTO_OPS}. */
    private static List<Node> findCandidates(Graph g, Value out, AddEarlyExitsOptions o) {
        List<Node> candidates = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.outputs().isEmpty() || n.output(0).isNone() || n.output(0) == out) {
                continue;
            }
            boolean chosen = o.after().isEmpty() ? AUTO_OPS.contains(n.opType())
                    : o.after().stream().anyMatch(s -> s.matches(n));
            if (chosen) {
                candidates.add(n);
            }
        }
        if (candidates.isEmpty()) {
            throw new PassException(ID, "after selects no node of the main graph");
        }
        if (!o.thresholds().isEmpty() && !o.after().isEmpty() && o.thresholds().size() != candidates.size()) {
            throw new PassException(ID, "thresholds lists " + o.thresholds().size() + " values but after selects "
                    + candidates.size() + " exit points");
        }
        return candidates;
    }

    /**
     * What one calibration pass measured, per sample: the full model's output, the activation rows at each
     * candidate (a candidate whose tap is not a float activation of rank ≥ 2 keeps no rows) and its spatial size.
     */
    private record Measured(List<float[]> fullOut, List<List<float[]>> feats, Map<Integer, int[]> spatial) {
    }

    /** Measure: the full model's output and the pooled activation at each candidate, per sample. */
    private static Measured measure(Model model, Value out, List<Node> candidates, List<Map<String, Tensor>> batches,
            AddEarlyExitsOptions o) {
        List<String> tapNames = new ArrayList<>(candidates.stream().map(n -> n.output(0).name()).toList());
        tapNames.add(out.name());
        List<List<float[]>> feats = new ArrayList<>();
        candidates.forEach(c -> feats.add(new ArrayList<>()));
        List<float[]> fullOut = new ArrayList<>();
        Map<Integer, int[]> spatial = new java.util.HashMap<>();
        try (TapStream stream = TapStream.open(model, tapNames, OrtRunner.Options.defaults(), TapStream.DEFAULT_BUDGET)) {
            stream.forEach(batches, tapNames, r -> {
                Tensor y = r.get(out.name());
                if (y.rank() != 2) {
                    throw new PassException(ID, "output '" + out.name() + "' is " + java.util.Arrays.toString(y.dims())
                            + " on the calibration data; early exits need a classifier output [N, classes]");
                }
                rows(y, fullOut);
                for (int i = 0; i < candidates.size(); i++) {
                    Tensor t = r.get(tapNames.get(i));
                    if (t.dataType() != DataType.FLOAT || t.rank() < 2) {
                        if (!o.after().isEmpty()) {
                            throw new PassException(ID, "exit point " + candidates.get(i).label() + " gives a "
                                    + t.dataType() + " tensor of rank " + t.rank() + "; an exit needs a float"
                                    + " activation [N, C, …]");
                        }
                        continue;
                    }
                    rows(t, feats.get(i));
                    spatial.put(i, t.rank() == 4 ? new int[] {(int) t.dim(2), (int) t.dim(3)} : new int[0]);
                }
            });
        }
        return new Measured(fullOut, feats, spatial);
    }

    /**
     * The calibration samples' targets (labels when the data set has them, else the full model's predictions) and
     * the split: heads are fitted on the first {@code fitCount} samples, thresholds chosen on the rest.
     */
    private record Calibration(int n, int classes, int[] fullPred, int[] target, boolean labelled, int fitCount) {
        int heldOut() {
            return n - fitCount;
        }

        /** Whether the full model is right on each held-out sample. */
        boolean[] fullRight() {
            boolean[] fullRight = new boolean[heldOut()];
            for (int i = 0; i < fullRight.length; i++) {
                fullRight[i] = fullPred[fitCount + i] == target[fitCount + i];
            }
            return fullRight;
        }
    }

    private static Calibration calibration(List<float[]> fullOut, PassContext ctx, AddEarlyExitsOptions o) {
        int n = fullOut.size();
        int classes = fullOut.get(0).length;
        int[] fullPred = new int[n];
        for (int i = 0; i < n; i++) {
            fullPred[i] = LinearHead.argmax(fullOut.get(i));
        }
        Optional<int[]> labels = ctx.labels(o.calibration()).filter(l -> l.length == n);
        int[] target = labels.orElse(fullPred);
        int fitCount = Math.max(1, (int) Math.round(n * 0.6));
        if (n - fitCount < 1) {
            throw new PassException(ID, "calibration data set '" + o.calibration().name() + "' has " + n
                    + " samples; early exits need at least 2");
        }
        return new Calibration(n, classes, fullPred, target, labels.isPresent(), fitCount);
    }

    /** The candidates measured on every sample (with {@code auto_count}: only those under 70% of the MACs). */
    private static List<Point> points(List<Node> candidates, Measured measured, int n, Map<String, Long> macsOf,
            long macsTotal, AddEarlyExitsOptions o) {
        List<Point> points = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < candidates.size(); i++) {
            if (measured.feats().get(i).size() != n) {
                continue;
            }
            Node c = candidates.get(i);
            long before = macsBefore(c, macsOf, seen);
            if (o.after().isEmpty() && before > 0.7 * macsTotal) {
                continue;
            }
            points.add(new Point(c, c.output(0), before, measured.feats().get(i).toArray(new float[0][]),
                    measured.spatial().get(i)));
        }
        return points;
    }

    /** The exit points kept and their heads, index for index. */
    private record Exits(List<Point> points, List<LinearHead> heads) {
    }

    /**
     * Fit: a head per point on the first 60% of the samples; with {@code auto_count}, keep the N points that alone
     * would save the most MACs on the held-out samples (in network order).
     */
    private static Exits fitHeads(List<Point> points, Calibration cal, long macsTotal, AddEarlyExitsOptions o) {
        int fitCount = cal.fitCount();
        List<LinearHead> heads = new ArrayList<>();
        for (Point p : points) {
            heads.add(LinearHead.fit(java.util.Arrays.copyOf(p.features(), fitCount),
                    java.util.Arrays.copyOf(cal.target(), fitCount), cal.classes()));
        }
        if (!o.after().isEmpty()) {
            return new Exits(points, heads);
        }
        boolean[] fullRight = cal.fullRight();
        List<Integer> order = new ArrayList<>();
        double[] saving = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            Selection s = ThresholdSearch.choose(List.of(eval(points.get(i), heads.get(i), fitCount, cal.target())),
                    fullRight, o.max_drop(), List.of());
            saving[i] = s.shares()[0] * (macsTotal - points.get(i).macsBefore());
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(saving[b], saving[a]));
        List<Integer> keep = order.subList(0, Math.min(o.auto_count(), order.size())).stream().sorted().toList();
        return new Exits(keep.stream().map(points::get).toList(), keep.stream().map(heads::get).toList());
    }

    /** The thresholds chosen, as checked deployed ({@code deployed} null when there is no exit point). */
    private record Choice(Selection sel, double[] th, boolean softmaxOut, DeployedCheck.Result deployed,
            int tightened, long floorCount) {
    }

    /**
     * Choose: thresholds on the held-out samples. They must hold max_drop as the model is deployed: emit on a
     * copy, run it one sample at a time in ONNX Runtime over the held-out samples, and tighten the deepest exit
     * until it holds.
     */
    private Choice chooseThresholds(Model model, Exits exits, Calibration cal, List<Map<String, Tensor>> batches,
            Value out, AddEarlyExitsOptions o) {
        List<Point> points = exits.points();
        List<LinearHead> heads = exits.heads();
        int fitCount = cal.fitCount();
        boolean[] fullRight = cal.fullRight();
        List<ThresholdSearch.ExitEval> evals = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            evals.add(eval(points.get(i), heads.get(i), fitCount, cal.target()));
        }
        Selection sel = ThresholdSearch.choose(evals, fullRight, o.max_drop(), o.thresholds());

        boolean softmaxOut = out.producer().map(p -> p.is("Softmax")).orElse(false);
        String outName = out.name();
        double[] th = sel.thresholds().clone();
        long floorCount = (long) Math.ceil((sel.accuracyFull() - o.max_drop()) * cal.heldOut() - 1e-9);
        DeployedCheck.Result deployed = null;
        int tightened = 0;
        if (!points.isEmpty()) {
            for (int round = 0; round < MAX_TIGHTENING; round++) {
                Model trial = model.copy();
                emit(trial, points, heads, th, softmaxOut, o.gating());
                deployed = DeployedCheck.measure(ModelWriter.toBytes(trial), batches, fitCount, cal.target(),
                        simulate(points, heads, th, fitCount, cal.fullPred()), outName);
                if (deployed.right() >= floorCount || !o.thresholds().isEmpty() || !tighten(th, evals)) {
                    break;
                }
                tightened++;
            }
            if (tightened > 0) {
                sel = ThresholdSearch.choose(evals, fullRight, o.max_drop(),
                        java.util.Arrays.stream(th).boxed().toList());
            }
        }
        return new Choice(sel, th, softmaxOut, deployed, tightened, floorCount);
    }

    /** The statistics, the per-exit table and the notes of the result. */
    private static PassResult report(Exits exits, Calibration cal, Choice choice, long macsTotal, int added) {
        List<Point> points = exits.points();
        Selection sel = choice.sel();
        PassResult.Builder res = PassResult.builder();
        List<Map<String, Object>> table = new ArrayList<>();
        long headMacs = 0;
        double expected = 0;
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            headMacs += (long) exits.heads().get(i).features() * cal.classes();
            expected += sel.shares()[i] * (p.macsBefore() + headMacs);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("exit", i);
            row.put("after", p.node().label());
            row.put("macs_before", p.macsBefore());
            row.put("threshold", sel.thresholds()[i]);
            row.put("share", sel.shares()[i]);
            row.put("accuracy", sel.accuracies()[i]);
            table.add(row);
            res.note("exit " + i + " after " + p.node().label() + ": entropy < " + String.format("%.4f",
                    sel.thresholds()[i]) + ", " + String.format("%.1f%%", 100 * sel.shares()[i])
                    + " of calibration samples, accuracy " + String.format("%.4f", sel.accuracies()[i]));
        }
        double restShare = 1 - java.util.Arrays.stream(sel.shares()).sum();
        expected += restShare * (macsTotal + headMacs);
        res.stat("exits_added", added);
        res.stat("accuracy_full", sel.accuracyFull());
        res.stat("accuracy_with_exits", sel.accuracy());
        res.stat("macs_full", macsTotal);
        res.stat("macs_expected", Math.round(expected));
        res.stat("macs_saved_fraction", macsTotal == 0 ? 0 : 1 - expected / macsTotal);
        res.detail("exits", table);
        res.detail("targets", cal.labelled() ? "labels" : "full model predictions");
        DeployedCheck.Result deployed = choice.deployed();
        if (deployed != null) {
            int tightened = choice.tightened();
            res.stat("accuracy_deployed", deployed.accuracy());
            res.stat("deployed_agreement", deployed.agreement());
            boolean holds = deployed.right() >= choice.floorCount();
            res.note(String.format(java.util.Locale.ROOT, "as deployed (ONNX Runtime, one sample at a time, %d"
                    + " held-out calibration samples): accuracy %.4f, %s the full model's %.4f%s; predictions agree"
                    + " with the exits' simulation on %.2f%%", deployed.samples(), deployed.accuracy(),
                    holds ? "within max_drop of" : "more than max_drop below", sel.accuracyFull(),
                    tightened > 0 ? " (thresholds tightened " + tightened + " time" + (tightened == 1 ? "" : "s")
                            + " until it held)" : "", 100 * deployed.agreement()));
        }
        return res.build(added > 0);
    }

    /** Rounds of threshold tightening before the pass settles for what it measured. */
    private static final int MAX_TIGHTENING = 40;

    /**
     * Lowers the deepest exit that takes samples so it takes about 5% fewer (at least one) held-out samples: the
     * new threshold falls between two distinct entropies. False when no exit takes any sample.
     */
    static boolean tighten(double[] th, List<ThresholdSearch.ExitEval> evals) {
        for (int e = th.length - 1; e >= 0; e--) {
            double limit = th[e];
            double[] below = java.util.Arrays.stream(evals.get(e).entropy()).filter(x -> x < limit).sorted()
                    .distinct().toArray();
            if (below.length == 0) {
                continue;
            }
            int drop = Math.max(1, below.length / 20);
            int keep = below.length - drop;
            th[e] = keep <= 0 ? 0 : (below[keep - 1] + below[keep]) / 2;
            return true;
        }
        return false;
    }

    /** Emits the exits into {@code target}, shallowest first (deeper exits go into the previous else-branch). */
    private int emit(Model target, List<Point> points, List<LinearHead> heads, double[] th, boolean softmaxOut,
            AddEarlyExitsOptions.Gating gating) {
        Rewriter rw = new Rewriter(target);
        ExitSurgery surgery = new ExitSurgery(rw);
        Graph where = target.graph();
        Map<Value, Value> moved = new IdentityHashMap<>();
        // points were measured on the pass's model; a copy holds the same names
        List<Value> taps = points.stream().map(p -> target.graph().findValue(p.tap().name()).orElseThrow()).toList();
        if (gating == AddEarlyExitsOptions.Gating.per_sample && !points.isEmpty()) {
            PerSampleLoop.Wrapped loop = PerSampleLoop.wrap(rw, ID);
            where = loop.body();
            moved.putAll(loop.moved());
        }
        int added = 0;
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            Value tap = moved.getOrDefault(taps.get(i), taps.get(i));
            ExitSurgery.Inserted ins = surgery.insert(where, tap, p.spatial(), heads.get(i), th[i], softmaxOut, i);
            Map<Value, Value> next = new IdentityHashMap<>();
            for (Map.Entry<Value, Value> e : moved.entrySet()) {
                next.put(e.getKey(), ins.moved().getOrDefault(e.getValue(), e.getValue()));
            }
            for (Map.Entry<Value, Value> e : ins.moved().entrySet()) {
                next.putIfAbsent(e.getKey(), e.getValue());
            }
            moved = next;
            where = ins.elseBranch();
            added++;
        }
        return added;
    }

    /** What the exits predict for each held-out sample: the first exit whose entropy is under its threshold. */
    private static int[] simulate(List<Point> points, List<LinearHead> heads, double[] thresholds, int from,
            int[] fullPred) {
        int m = fullPred.length - from;
        int[] pred = new int[m];
        for (int i = 0; i < m; i++) {
            pred[i] = fullPred[from + i];
            for (int e = 0; e < points.size(); e++) {
                float[] z = heads.get(e).logits(points.get(e).features()[from + i]);
                if (LinearHead.entropy(z) < thresholds[e]) {
                    pred[i] = LinearHead.argmax(z);
                    break;
                }
            }
        }
        return pred;
    }

    private static ThresholdSearch.ExitEval eval(Point p, LinearHead h, int from, int[] target) {
        int m = target.length - from;
        double[] ent = new double[m];
        boolean[] right = new boolean[m];
        for (int i = 0; i < m; i++) {
            float[] z = h.logits(p.features()[from + i]);
            ent[i] = LinearHead.entropy(z);
            right[i] = LinearHead.argmax(z) == target[from + i];
        }
        return new ThresholdSearch.ExitEval(ent, right);
    }

    /** MACs of every node the point depends on (its own included). */
    private static long macsBefore(Node c, Map<String, Long> macsOf, Set<Node> scratch) {
        scratch.clear();
        List<Node> stack = new ArrayList<>(List.of(c));
        long sum = 0;
        while (!stack.isEmpty()) {
            Node x = stack.remove(stack.size() - 1);
            if (!scratch.add(x)) {
                continue;
            }
            sum += macsOf.getOrDefault(x.label(), 0L);
            for (Value v : x.inputs()) {
                v.producer().filter(p -> p.graph() == c.graph()).ifPresent(stack::add);
            }
        }
        return sum;
    }

    /**
     * Appends one row per sample: rank-2 tensors as they are; [N,C,H,W] averaged over a 2×2 grid of
     * windows (kernel ⌈H/2⌉, stride H−⌈H/2⌉, as the emitted AveragePool computes), feature c·4 + cell;
     * maps smaller than 2×2 are averaged globally. The grid keeps coarse position, which global pooling
     * loses and which early layers need to separate classes.
     */
    static void rows(Tensor t, List<float[]> into) {
        float[] v = t.toFloatArray();
        int n = (int) t.dim(0);
        int per = v.length / Math.max(1, n);
        if (t.rank() != 4) {
            for (int i = 0; i < n; i++) {
                into.add(java.util.Arrays.copyOfRange(v, i * per, (i + 1) * per));
            }
            return;
        }
        int ch = (int) t.dim(1);
        int h = (int) t.dim(2);
        int w = (int) t.dim(3);
        int[] g = grid(h, w);
        int cells = g[4] * g[5];
        for (int i = 0; i < n; i++) {
            float[] r = new float[ch * cells];
            for (int c = 0; c < ch; c++) {
                int base = i * per + c * h * w;
                for (int a = 0; a < g[4]; a++) {
                    for (int b = 0; b < g[5]; b++) {
                        double s = 0;
                        for (int y = a * g[2]; y < a * g[2] + g[0]; y++) {
                            for (int x = b * g[3]; x < b * g[3] + g[1]; x++) {
                                s += v[base + y * w + x];
                            }
                        }
                        r[c * cells + a * g[5] + b] = (float) (s / (g[0] * g[1]));
                    }
                }
            }
            into.add(r);
        }
    }

    /** {kernelH, kernelW, strideH, strideW, cellsH, cellsW} of the pooling grid for an H×W map. */
    static int[] grid(int h, int w) {
        int kh = h >= 2 ? (h + 1) / 2 : h;
        int kw = w >= 2 ? (w + 1) / 2 : w;
        boolean two = h >= 2 && w >= 2;
        if (!two) {
            return new int[] {h, w, 1, 1, 1, 1};
        }
        return new int[] {kh, kw, h - kh, w - kw, 2, 2};
    }

    /** Chosen thresholds and what they do on the held-out calibration samples. */
    record Selection(double[] thresholds, double[] shares, double[] accuracies, double accuracy,
            double accuracyFull) {
    }
}
