package dev.onnxpress.passes.core;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.core.WeightedLayer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The model whose layer outputs a refit aims at. {@code previous}: the model as the pass found it (each
 * lossy step fits to the one before, so its error is frozen in for the next); {@code input}: the pipeline's
 * input model ({@link PassContext#reference()}), so every stage fits the original dense outputs and later
 * stages compensate the errors of earlier ones instead of inheriting them.
 * <p>A layer is found in the reference by the name of its output value, with the same op type and weight
 * shape; its input value must exist there too (it is tapped to get the dense features Xd).
 */
public final class FitReference {
    /** Where targets come from. */
    public enum Source { previous, input }

    private final Model model;
    /** The reference serialized, while small enough to run from bytes; null for a large model (run from files). */
    private final byte[] bytes;

    private FitReference(Model model) {
        this.model = model;
        this.bytes = large(model) ? null : ModelWriter.toBytes(model);
    }

    /** From ONNX Runtime's file threshold on, models run from files with external data, never one array. */
    private static boolean large(Model m) {
        return OrtRunner.runsFromFiles(m);
    }

    /**
     * The reference of a pass run on {@code current} (call before the pass changes it).
     *
     * @throws PassException when {@code input} is asked and the context has no reference model
     */
    public static FitReference of(String passId, Source source, Model current, PassContext ctx) {
        if (source == Source.previous) {
            return new FitReference(current.copy());
        }
        Model ref = ctx.reference().orElseThrow(() -> new PassException(passId,
                "reference=input needs the pipeline's input model, which this run does not provide "
                        + "(run the pass from a recipe, or use reference=previous)"));
        return new FitReference(ref);
    }

    /** The reference model, serialized (for taps). */
    public byte[] bytes() {
        return bytes != null ? bytes : ModelWriter.toBytes(model);
    }

    /**
     * The geometry of {@code l} and its target in this reference, when the layer can be fitted: it has a
     * row geometry with at most {@code maxFeatures} inputs per output, and the reference has the same layer;
     * empty, with the reason in {@code why}, otherwise.
     */
    public Optional<Fit> fit(WeightedLayer l, int maxFeatures, StringBuilder why) {
        Optional<LayerGeometry> geo = LayerGeometry.of(l, why);
        if (geo.isPresent() && geo.get().features() > maxFeatures) {
            why.append(geo.get().features() + " inputs per output > max_features=" + maxFeatures);
            return Optional.empty();
        }
        return geo.flatMap(g -> target(l, g, why).map(t -> new Fit(g, t)));
    }

    /** A fittable layer: its row geometry and what it should reproduce. */
    public record Fit(LayerGeometry geo, Target target) {
    }

    /**
     * What {@code l} of the model being compressed should reproduce: the reference layer's input value name,
     * weight rows and (when a constant float bias per output exists) bias; empty, with the reason in
     * {@code why}, when the reference has no such layer.
     */
    public Optional<Target> target(WeightedLayer l, LayerGeometry geo, StringBuilder why) {
        String out = l.node().output().name();
        Optional<Value> v = model.graph().findValue(out);
        Optional<Node> n = v.flatMap(Value::producer);
        if (n.isEmpty() || !n.get().opType().equals(l.node().opType())) {
            why.append("the reference model has no " + l.node().opType() + " producing '" + out + "'");
            return Optional.empty();
        }
        Optional<WeightedLayer> rl = WeightedLayer.of(n.get());
        if (rl.isEmpty() || !java.util.Arrays.equals(rl.get().tensor().dims(), l.tensor().dims())) {
            why.append("the reference model's weight of '" + out + "' is not a constant of the same shape");
            return Optional.empty();
        }
        return Optional.of(new Target(n.get().input(0).name(), rl.get().tensor(), geo, bias(n.get(), geo)));
    }

    /**
     * The Gram moments of layer {@code l} of {@code current} against its target in this reference: the reference
     * layer's input Xd (tapped in the reference) and the current input Xq (tapped in {@code current}, or Xd
     * itself when the two models are the same).
     */
    public LayerGram gram(Model current, WeightedLayer l, LayerGeometry geo, Target t,
            List<Map<String, Tensor>> batches, int maxRows, Random random) {
        String input = l.node().input(0).name();
        byte[] ref = bytes();
        byte[] now = ModelWriter.toBytes(current);
        byte[] denseTapped = OrtRunner.withTaps(ref, List.of(t.input()));
        byte[] currentTapped = Arrays.equals(ref, now) && t.input().equals(input) ? denseTapped
                : OrtRunner.withTaps(now, List.of(input));
        return LayerGram.collect(geo, t.input(), input, denseTapped, currentTapped, batches, maxRows, random)
                .symmetric();
    }

    /** Default bound on the bytes of the moments gathered in one streaming run ({@link #grams}). */
    public static final long DEFAULT_GRAM_BUDGET = 256L << 20;

    /** One layer whose moments {@link #grams} gathers. */
    public record Request(WeightedLayer layer, Fit fit) {
    }

    /** Fits one layer from its moments; the model it edits is the next group's {@code current}. */
    public interface Fitter {
        void fit(int index, LayerGram gram);

        /** Called before the group whose first request is {@code index} is gathered (for edits due by then). */
        default void beforeGroup(int index) {
        }
    }

    /**
     * Inference work (multiply-accumulates) the streaming runs of one {@link #grams} call may spend before
     * layers share runs: as long as one run per layer stays within it, every layer gets its own run.
     */
    public static final double DEFAULT_RUN_WORK = 1e12;

    /**
     * The moments of every requested layer of {@code current} against this reference, fitted layer by layer
     * in the order given (topological). Each streaming run costs a pass of the reference and one of the
     * current model (one only, while the two are still equal) over every batch, so the runs are bounded:
     * while one run per layer costs at most {@code runWork} multiply-accumulates in all (the model's MACs per
     * sample × samples × layers), each layer gets its own run on the model as the layers before it left it
     * (OBC-style: a layer also absorbs the error of the ones before it). Beyond that, consecutive layers
     * share a run, at most ⌈layers / ⌊runWork / (MACs·samples)⌋⌉ per group, and a group's moments take at
     * most {@code budgetBytes} together (at least one layer each): the total work is then linear in the
     * model and the samples. A layer of a shared run sees the compensated outputs of the groups before its
     * own, not those of earlier layers of its group. With shared runs, conv patch positions are drawn from
     * one generator per layer, seeded in order from {@code random}; with one run per layer they are drawn
     * from {@code random} itself, layer after layer.
     */
    public void grams(Model current, List<Request> requests, List<Map<String, Tensor>> batches, int maxRows,
            Random random, long budgetBytes, double runWork, Fitter fitter) {
        long samples = LayerGram.samples(batches);
        int perGroup = perGroup(current, requests.size(), samples, runWork);
        Random[] seeds = new Random[requests.size()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = perGroup == 1 ? random : new Random(random.nextLong());
        }
        int at = 0;
        while (at < requests.size()) {
            fitter.beforeGroup(at);
            // a large model is compared by structure and tensor identity instead of its serialized bytes
            byte[] now = bytes == null ? null : ModelWriter.toBytes(current);
            boolean sameModel = bytes == null ? sameGraph(model, current) : Arrays.equals(bytes, now);
            List<String> denseNames = new java.util.ArrayList<>();
            List<String> currentNames = new java.util.ArrayList<>();
            List<LayerGram> grams = new java.util.ArrayList<>();
            long used = 0;
            int end = at;
            while (end < requests.size()) {
                Request r = requests.get(end);
                String input = r.layer().node().input(0).name();
                String denseInput = r.fit().target().input();
                boolean same = sameModel && input.equals(denseInput);
                long b = LayerGram.bytes(r.fit().geo(), same);
                if (end > at && (used + b > budgetBytes || end - at >= perGroup)) {
                    break;
                }
                used += b;
                grams.add(LayerGram.empty(r.fit().geo(), same));
                if (!denseNames.contains(denseInput)) {
                    denseNames.add(denseInput);
                }
                if (!currentNames.contains(input)) {
                    currentNames.add(input);
                }
                end++;
            }
            gather(now, current, sameModel, requests.subList(at, end), grams, denseNames, currentNames, batches, maxRows,
                    samples, Arrays.copyOfRange(seeds, at, end));
            now = null;
            for (int i = at; i < end; i++) {
                LayerGram g = grams.get(i - at).finish();
                grams.set(i - at, null);
                fitter.fit(i, g);
            }
            at = end;
        }
    }

    /** The default budgets ({@link #DEFAULT_GRAM_BUDGET}, {@link #DEFAULT_RUN_WORK}). */
    public void grams(Model current, List<Request> requests, List<Map<String, Tensor>> batches, int maxRows,
            Random random, Fitter fitter) {
        grams(current, requests, batches, maxRows, random, DEFAULT_GRAM_BUDGET, DEFAULT_RUN_WORK, fitter);
    }

    /** Layers per shared run so that the runs cost at most {@code runWork} MACs (1: a run per layer). */
    public static int perGroup(Model model, int layers, long samples, double runWork) {
        if (layers <= 1) {
            return 1;
        }
        double perSample = dev.onnxpress.analysis.Macs.estimate(model).map(m -> (double) m.total() / batchOf(model))
                .filter(m -> m > 0).orElseGet(() -> (double) weightElements(model));
        double run = Math.max(1, perSample) * Math.max(1, samples);
        double groups = Math.floor(runWork / run);
        if (groups >= layers) {
            return 1;
        }
        return (int) Math.ceil(layers / Math.max(1, groups));
    }

    /** The declared size of axis 0 of the first graph input when it is fixed (MACs count that batch), else 1. */
    private static double batchOf(Model model) {
        return model.graph().inputs().stream().filter(v -> !v.isInitializer()).findFirst()
                .flatMap(Value::tensorType).flatMap(ValueType.TensorType::knownDims)
                .filter(d -> d.length > 0 && d[0] > 0).map(d -> (double) d[0]).orElse(1.0);
    }

    /**
     * Whether {@code b} is still {@code a}: the same nodes, attributes, graph inputs and outputs, and the very same
     * initializer tensors (a copy shares its tensors until a pass replaces one; tensors are immutable). Conservative:
     * equal content in another tensor object, or a subgraph, counts as different.
     */
    static boolean sameGraph(Model a, Model b) {
        dev.onnxpress.ir.Graph ga = a.graph();
        dev.onnxpress.ir.Graph gb = b.graph();
        if (!a.opsets().equals(b.opsets()) || !names(ga.inputs()).equals(names(gb.inputs()))
                || !names(ga.outputs()).equals(names(gb.outputs()))) {
            return false;
        }
        List<Node> na = ga.nodes();
        List<Node> nb = gb.nodes();
        if (na.size() != nb.size()) {
            return false;
        }
        for (int i = 0; i < na.size(); i++) {
            Node x = na.get(i);
            Node y = nb.get(i);
            if (!x.opType().equals(y.opType()) || !x.domain().equals(y.domain())
                    || !names(x.inputs()).equals(names(y.inputs())) || !names(x.outputs()).equals(names(y.outputs()))
                    || !x.attrs().equals(y.attrs())) {
                return false;
            }
        }
        Map<String, Tensor> ia = new java.util.HashMap<>();
        ga.initializers().forEach((v, t) -> ia.put(v.name(), t));
        if (ia.size() != gb.initializers().size()) {
            return false;
        }
        for (Map.Entry<Value, Tensor> e : gb.initializers().entrySet()) {
            if (ia.get(e.getKey().name()) != e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static List<String> names(List<Value> values) {
        return values.stream().map(Value::name).toList();
    }

    private static long weightElements(Model model) {
        long n = 0;
        for (Tensor t : model.graph().initializers().values()) {
            n += t.elementCount();
        }
        return n;
    }

    private void gather(byte[] now, Model current, boolean sameModel, List<Request> group, List<LayerGram> grams,
            List<String> denseNames, List<String> currentNames, List<Map<String, Tensor>> batches, int maxRows,
            long samples, Random[] seeds) {
        OrtRunner.Options o = OrtRunner.Options.defaults().withIntraOpThreads(0);
        if (sameModel) {
            // one model: the current inputs are tapped in the same run (they are the same values here)
            for (String n : currentNames) {
                if (!denseNames.contains(n)) {
                    denseNames.add(n);
                }
            }
        }
        String[] cutBy = denseNames.toArray(String[]::new);
        // two runs' taps are alive at once when the models differ: each gets half the budget
        long budget = TapStream.DEFAULT_BUDGET / (sameModel ? 1 : 2);
        try (OrtRunner d = bytes == null ? OrtRunner.open(model, denseNames, o)
                    : OrtRunner.open(OrtRunner.withTaps(bytes, denseNames), o);
                OrtRunner q = sameModel ? null : now == null ? OrtRunner.open(current, currentNames, o)
                        : OrtRunner.open(OrtRunner.withTaps(now, currentNames), o)) {
            for (Map<String, Tensor> b : batches) {
                for (Map<String, Tensor> part : TapStream.cuts(b, d, budget, cutBy)) {
                    run(part, d, q, group, grams, denseNames, currentNames, maxRows, samples, seeds);
                }
            }
        }
    }

    /**
     * One run of both models over {@code part}, the taps read in place ({@link OrtRunner#runFloats}): the
     * reference's views stay open while the current model runs (inside the last reference callback), so
     * each layer pairs its Xq and Xd rows without a Java copy of either run.
     */
    private static void run(Map<String, Tensor> part, OrtRunner d, OrtRunner q, List<Request> group,
            List<LayerGram> grams, List<String> denseNames, List<String> currentNames, int maxRows, long samples,
            Random[] seeds) {
        long t0 = System.nanoTime();
        long[] ortNanos = {0};
        Map<String, java.nio.FloatBuffer> dense = new java.util.HashMap<>();
        Map<String, long[]> dims = new java.util.HashMap<>();
        String last = denseNames.get(denseNames.size() - 1);
        d.runFloats(part, denseNames, (name, type, shape, values) -> {
            dense.put(name, values);
            dims.put(name, shape);
            if (!name.equals(last)) {
                return;
            }
            long t1 = System.nanoTime();
            ortNanos[0] += t1 - t0;
            if (q == null) {
                for (int i = 0; i < group.size(); i++) {
                    Request r = group.get(i);
                    String in = r.layer().node().input(0).name();
                    grams.get(i).add(dense.get(in), dense.get(r.fit().target().input()), dims.get(in), maxRows,
                            samples, seeds[i]);
                }
                return;
            }
            long[] q0 = {System.nanoTime()};
            String lastQ = currentNames.get(currentNames.size() - 1);
            Map<String, java.nio.FloatBuffer> current = new java.util.HashMap<>();
            Map<String, long[]> currentDims = new java.util.HashMap<>();
            q.runFloats(part, currentNames, (qName, qType, qShape, qValues) -> {
                current.put(qName, qValues);
                currentDims.put(qName, qShape);
                if (!qName.equals(lastQ)) {
                    return;
                }
                ortNanos[0] += System.nanoTime() - q0[0];
                for (int i = 0; i < group.size(); i++) {
                    Request r = group.get(i);
                    String in = r.layer().node().input(0).name();
                    grams.get(i).add(current.get(in), dense.get(r.fit().target().input()), currentDims.get(in),
                            maxRows, samples, seeds[i]);
                }
            });
        });
        long total = System.nanoTime() - t0;
        TapStream.Clock.record(ortNanos[0], total - ortNanos[0], TapStream.rows(part));
    }

    /**
     * A layer's bias, one value per output, when it can absorb a shift of the outputs' mean: a constant
     * float input 2 of a Conv, or of a Gemm with alpha = beta = 1.
     */
    public static Optional<double[]> bias(Node n, LayerGeometry geo) {
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
     * A layer's targets in the reference: the reference layer's input value (tapped for Xd), its weight rows
     * [outputs][features] and its bias, when the layer has a refittable one. The rows are built from the weight when
     * first asked and held softly (a pass asks for every layer's target before fitting any: as doubles, all of a
     * multi-GB model's rows at once would not fit the heap); built again, the same, if the collector took them.
     */
    public static final class Target {
        private final String input;
        private final Tensor weight;
        private final LayerGeometry geo;
        private final Optional<double[]> bias;
        private java.lang.ref.SoftReference<double[][]> rows = new java.lang.ref.SoftReference<>(null);

        Target(String input, Tensor weight, LayerGeometry geo, Optional<double[]> bias) {
            this.input = input;
            this.weight = weight;
            this.geo = geo;
            this.bias = bias;
        }

        public String input() {
            return input;
        }

        /** The reference weight rows [outputs][features] (shared: do not change them). */
        public synchronized double[][] rows() {
            double[][] r = rows.get();
            if (r == null) {
                r = geo.rows(weight);
                rows = new java.lang.ref.SoftReference<>(r);
            }
            return r;
        }

        public Optional<double[]> bias() {
            return bias;
        }
    }
}
