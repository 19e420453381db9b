package dev.onnxpress.passes.convert.opset;

import dev.onnxpress.analysis.StaticShapes;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.convert.Decompositions;
import dev.onnxpress.passes.core.ElementTypes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Rewrites one node from its form at opset {@code from} to its form at opset {@code to}. Each op family
 * knows the opsets where its signature changed; a node is rewritten only when {@code from} and
 * {@code to} fall on different sides of such a boundary.
 */
final class OpsetConverter {
    private static final Set<String> REDUCE_18 = Set.of("ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd",
            "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");

    private final Rewriter rw;
    private final long from;
    private final long to;
    private final ElementTypes types;
    private final PassResult.Builder result;
    /** Shapes of every graph as the model came in (rewrites keep the original values' shapes valid). */
    private final Map<Graph, StaticShapes> shapes = new java.util.IdentityHashMap<>();
    private long rewritten;
    /** How far back rank and element-count questions follow producers (memoized, so linear in the graph). */
    private static final int MAX_DEPTH = 400;
    private final Map<Value, Optional<Integer>> rankMemo = new java.util.IdentityHashMap<>();
    private final Map<Value, Long> countMemo = new java.util.IdentityHashMap<>();

    OpsetConverter(Model model, long from, long to, PassResult.Builder result) {
        this.rw = new Rewriter(model);
        this.from = from;
        this.to = to;
        this.types = ElementTypes.of(model.graph());
        this.result = result;
        for (Graph g : model.graph().allGraphs()) {
            try {
                shapes.put(g, StaticShapes.infer(g, Math.max(from, OpsetVersions.OLDEST)));
            } catch (RuntimeException e) {
                // shapes only let more nodes convert: a graph the inference cannot follow has declared types only
            }
        }
    }

    Rewriter rewriter() {
        return rw;
    }

    long rewritten() {
        return rewritten;
    }

    private PassException fail(Node n, String why) {
        return new PassException(ConvertOpsetPass.ID, "node '" + n.label() + "' (" + n.opType() + "): " + why
                + "; cannot convert from opset " + from + " to " + to);
    }

    private static boolean crosses(long a, long b, int boundary) {
        return (a < boundary) != (b < boundary);
    }

    private boolean down(int boundary) {
        return from >= boundary && to < boundary;
    }

    private boolean up(int boundary) {
        return from < boundary && to >= boundary;
    }

    void convert(Node n) {
        long before = rw.changes();
        if (from < OpsetVersions.OLDEST) {
            legacy(n);
        }
        typesExist(n);
        if (from < 10 && to >= 10 && OpsetVersions.EXPERIMENTAL.contains(n.opType())) {
            experimental(n);
            rewritten++;
            return;
        }
        Integer noKernel = OpsetVersions.ORT_NO_KERNEL_FROM.get(n.opType());
        if (noKernel != null && to >= noKernel) {
            if (Decompositions.expand(rw, n, to, types.of(n.input(0)).orElse(DataType.FLOAT)).isEmpty()) {
                throw fail(n, "ONNX Runtime 1.29 has no kernel for " + n.opType() + " from opset " + noKernel
                        + " on (convert to " + (noKernel - 1) + " or lower)");
            }
            rewritten++;
            return;
        }
        String op = n.opType();
        Optional<OpsetVersions.Removal> removal = OpsetVersions.removal(op);
        boolean experimentalAtSource = OpsetVersions.since(op).map(s -> from < s).orElse(false);
        if (experimentalAtSource && op.equals("MeanVarianceNormalization") && to >= 9) {
            meanVarianceNormalization1(n);
        } else if (experimentalAtSource && op.equals("ThresholdedRelu")) {
            // the experimental ThresholdedRelu of opsets 1-9 computes what the opset-10 one does
        } else if (experimentalAtSource) {
            // an op older than its official version is the experimental one (or the model is not valid at
            // its own opset): kept as it is while the target still predates the official version
            if (to >= OpsetVersions.since(op).orElseThrow()) {
                throw fail(n, op + " at opset " + from + " is not the " + op + " of opset "
                        + OpsetVersions.since(op).orElseThrow() + " and is not converted");
            }
        } else if (removal.isPresent() && to >= removal.get().removedAt()) {
            if (op.equals("Upsample")) {
                upsampleToResize(n);
            } else if (op.equals("Scatter")) {
                rw.setOpType(n, "ScatterElements", "");
            }
        } else if (OpsetVersions.since(op).map(s -> to < s).orElse(false)) {
            belowIntroduction(n);
        } else {
            signature(n);
        }
        if (!n.isRemoved()) {
            droppedAttributes(n);
            if (to < 11) {
                nonNegativeAxes(n);
            }
        }
        if (rw.changes() > before) {
            rewritten++;
        }
    }

    // ---------------------------------------------------------------- opsets 1 to 6, going up to 7 or later

    /** Elementwise ops whose opset 1–6 forms broadcast B only with {@code broadcast=1} (and {@code axis}). */
    private static final Set<String> LEGACY_BROADCAST = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Equal",
            "Greater", "Less", "And", "Or", "Xor");

    /**
     * Rewrites a node of opset 1–6 into its opset-7 form, as ONNX's version converter does: the
     * {@code consumed_inputs} hint (gone at 6) and {@code is_test} (gone at 7; inference is the only mode
     * from 7 on) are dropped; legacy broadcasting ({@code broadcast}/{@code axis}) becomes numpy broadcasting
     * (a constant B is reshaped so its dims line up at {@code axis}); Concat gets its old default axis 1;
     * Reshape's shape attribute, Cast's type name, Pad's paddings and Upsample's two scales take their
     * later forms. Anything else that changed is refused by name.
     */
    private void legacy(Node n) {
        String op = n.opType();
        rw.removeAttr(n, "consumed_inputs");
        if (op.equals("BatchNormalization") || op.equals("Dropout")) {
            if (n.attrInt("is_test", 0) == 0 && usedOutputs(n, 1)) {
                throw fail(n, "is_test=0 (training) with its statistics or mask outputs in use has no inference form");
            }
            rw.removeAttr(n, "is_test");
        }
        if (LEGACY_BROADCAST.contains(op) || op.equals("Gemm")) {
            legacyBroadcast(n);
        }
        switch (op) {
            case "Concat" -> {
                if (from < 4 && n.attr("axis").isEmpty()) {
                    rw.setAttr(n, "axis", Attr.of(1L));
                }
            }
            case "Reshape" -> {
                if (from < 5 && n.attr("shape").isPresent()) {
                    long[] shape = n.attrInts("shape").orElseThrow();
                    rw.setInput(n, 1, constant(n.graph(), n.label() + "_shape",
                            Tensor.ofLongs(new long[] {shape.length}, shape)));
                    rw.removeAttr(n, "shape");
                }
            }
            case "Cast" -> {
                Optional<Attr> t = n.attr("to");
                if (t.isPresent() && t.get().kind() == Attr.Kind.STRING) {
                    String name = t.get().s().toUpperCase(java.util.Locale.ROOT);
                    DataType dt = Arrays.stream(DataType.values()).filter(d -> d.name().equals(name)).findFirst()
                            .orElseThrow(() -> fail(n, "unknown type name to='" + t.get().s() + "'"));
                    rw.setAttr(n, "to", Attr.of((long) dt.code()));
                }
            }
            case "Pad" -> {
                if (n.attr("paddings").isPresent()) {
                    rw.setAttr(n, "pads", n.attr("paddings").orElseThrow());
                    rw.removeAttr(n, "paddings");
                }
            }
            case "Upsample" -> {
                if (n.attr("scales").isEmpty() && (n.attr("height_scale").isPresent() || n.attr("width_scale").isPresent())) {
                    float h = n.attrFloat("height_scale", 1f);
                    float w = n.attrFloat("width_scale", 1f);
                    rw.setAttr(n, "scales", Attr.ofFloats(1f, 1f, h, w));
                    rw.removeAttr(n, "height_scale");
                    rw.removeAttr(n, "width_scale");
                }
            }
            case "Tile" -> {
                if (from < 6 && n.inputs().size() >= 3) {
                    legacyTile(n);
                }
            }
            case "RNN", "GRU", "LSTM" -> rw.removeAttr(n, "output_sequence"); // 7: every output optional
            case "LpPool", "GlobalLpPool" -> {
                Optional<Attr> p = n.attr("p");
                if (from < 2 && p.isPresent() && p.get().kind() == Attr.Kind.FLOAT) {
                    float v = p.get().f();
                    if (v != Math.rint(v)) {
                        throw fail(n, "p=" + v + " is not a whole number (p is an int from opset 2 on)");
                    }
                    rw.setAttr(n, "p", Attr.of((long) v));
                }
            }
            case "Split" -> {
                if (from < 2 && n.hasInput(1)) {
                    rw.setAttr(n, "split", Attr.ofInts(constInts(n, 1, "split")));
                    rw.setInputs(n, List.of(n.input(0)));
                }
            }
            default -> {
            }
        }
    }

    /** broadcast=1 with an axis: B's dims start at that axis of A; numpy aligns them at the end instead. */
    private void legacyBroadcast(Node n) {
        Optional<Attr> axisAttr = n.attr("axis");
        boolean broadcast = n.attrInt("broadcast", 0) != 0;
        rw.removeAttr(n, "broadcast");
        rw.removeAttr(n, "axis");
        if (!broadcast || axisAttr.isEmpty() || n.is("Gemm")) {
            return; // no broadcast (equal shapes) or trailing alignment: numpy broadcasting is the same
        }
        Optional<Integer> rankA = rank(n.input(0));
        Value b = n.input(1);
        Optional<Tensor> constB = n.graph().constantValue(b);
        Optional<Integer> rankB = constB.map(t -> t.rank()).or(() -> rank(b));
        if (rankA.isEmpty() || rankB.isEmpty()) {
            throw fail(n, "broadcast=1 with axis needs the ranks of both inputs");
        }
        long axis = axisAttr.get().i();
        if (axis < 0) {
            axis += rankA.get();
        }
        int trailing = (int) (rankA.get() - axis - rankB.get());
        if (trailing < 0) {
            throw fail(n, "broadcast axis " + axisAttr.get().i() + " does not fit the input ranks");
        }
        if (trailing == 0) {
            return;
        }
        if (constB.isEmpty()) {
            throw fail(n, "broadcast=1 with axis on a B that is not a constant");
        }
        long[] dims = Arrays.copyOf(constB.get().dims(), rankB.get() + trailing);
        Arrays.fill(dims, rankB.get(), dims.length, 1L);
        rw.setInput(n, 1, constant(n.graph(), b.name() + "_aligned", constB.get().reshape(dims)));
    }

    // ---------------------------------------------------------------- ops that do not exist at the target

    private void belowIntroduction(Node n) {
        switch (n.opType()) {
            case "Resize" -> resize(n);
            case "ScatterElements" -> {
                requireDefault(n, "reduction", "none");
                rw.setOpType(n, "Scatter", "");
            }
            case "GreaterOrEqual" -> negate(n, "Less");
            case "LessOrEqual" -> negate(n, "Greater");
            case "LayerNormalization" -> layerNorm(n);
            case "Gelu", "HardSwish", "Mish", "Swish", "Celu" -> Decompositions.expand(rw, n, to, types.of(n.input(0)).orElse(DataType.FLOAT)).orElseThrow(() -> fail(n,
                    "no equivalent before opset " + OpsetVersions.since(n.opType()).orElseThrow()));
            default -> throw fail(n, n.opType() + " does not exist before opset "
                    + OpsetVersions.since(n.opType()).orElseThrow());
        }
    }

    private void negate(Node n, String opposite) {
        Value cmp = rw.add(n.graph(), opposite, n.label() + "_" + opposite, List.of(n.input(0), n.input(1)), Map.of());
        Value out = rw.add(n.graph(), "Not", n.label() + "_not", List.of(cmp), Map.of());
        replaceNode(n, out);
    }

    /** Points readers of n's only output at {@code out}, which takes the output's name, and drops n. */
    void replaceNode(Node n, Value out) {
        Decompositions.takeOver(rw, n, out);
    }

    // ---------------------------------------------------------------- signature changes

    private void signature(Node n) {
        switch (n.opType()) {
            case "Clip" -> {
                if (crosses(from, to, 11)) {
                    attrsAndInputs(n, 11, List.of("min", "max"), 1, false);
                }
            }
            case "Pad" -> pad(n);
            case "ScatterElements", "ScatterND" -> scatterReduction(n);
            case "RoiAlign" -> roiAlign(n);
            case "QuantizeLinear", "DequantizeLinear" -> {
                if (down(13)) {
                    long count = dimsOf(n.input(1)).map(d -> Arrays.stream(d).reduce(1, (a, b) -> a < 0 || b < 0 ? -1 : a * b))
                            .orElse(-1L);
                    if (count != 1) {
                        throw fail(n, "the scale '" + n.input(1).name() + "' is " + (count < 0 ? "of unknown size"
                                : "per-axis (" + count + " values)") + ", and before opset 13 only one scale per tensor exists");
                    }
                }
            }
            case "Attention" -> {
                if (down(24) && n.hasInput(6)) {
                    throw fail(n, "the nonpad_kv_seqlen input does not exist before opset 24");
                }
            }
            case "GridSample" -> gridSample(n);
            case "GroupNormalization" -> groupNorm(n);
            case "DFT" -> dft(n);
            case "Scan" -> {
                if (crosses(from, to, 9)) {
                    throw fail(n, "Scan changed its inputs at opset 9 (no batch axis, no sequence_lens) and is not"
                            + " converted across it");
                }
            }
            case "Max", "Min", "Mean", "Sum" -> {
                if (down(8)) {
                    sameShapes(n);
                }
            }
            case "Squeeze", "Unsqueeze", "ReduceSum" -> {
                if (crosses(from, to, 13)) {
                    attrsAndInputs(n, 13, List.of("axes"), 1, true);
                }
            }
            case "Split" -> split(n);
            case "Slice" -> slice(n);
            case "TopK" -> topK(n);
            case "Dropout" -> dropout(n);
            case "BatchNormalization" -> batchNorm(n);
            case "Softmax", "LogSoftmax", "Hardmax" -> softmax(n);
            case "Resize" -> resize(n);
            case "Upsample" -> upsample(n);
            case "Gemm" -> {
                if (down(11) && !n.hasInput(2)) {
                    DataType dt = types.of(n.input(0)).orElse(DataType.FLOAT);
                    rw.setInput(n, 2, constant(n.graph(), n.label() + "_C", Tensor.of(dt, new long[0], new double[] {0})));
                }
            }
            case "Constant" -> {
                if (down(12)) {
                    Optional<Tensor> t = n.graph().constantValue(n.output());
                    if (n.attr("value").isEmpty() && t.isPresent()) {
                        for (String a : new ArrayList<>(n.attrs().keySet())) {
                            rw.removeAttr(n, a);
                        }
                        rw.setAttr(n, "value", Attr.of(t.get()));
                    }
                }
            }
            default -> {
                if (REDUCE_18.contains(n.opType()) && crosses(from, to, 18)) {
                    attrsAndInputs(n, 18, List.of("axes"), 1, true);
                }
            }
        }
    }

    /**
     * Moves attributes to inputs (going up past {@code boundary}) or constant inputs back to attributes
     * (going down). Clip's min/max are scalars of the data type; axes-like lists are int64 vectors.
     */
    private void attrsAndInputs(Node n, int boundary, List<String> names, int firstInput, boolean ints) {
        if (up(boundary)) {
            for (int k = 0; k < names.size(); k++) {
                Optional<Attr> a = n.attr(names.get(k));
                if (a.isEmpty()) {
                    continue;
                }
                Tensor t;
                if (ints) {
                    long[] v = a.get().ints();
                    t = Tensor.ofLongs(new long[] {v.length}, v);
                } else {
                    DataType dt = types.of(n.input(0)).orElse(DataType.FLOAT);
                    t = Tensor.of(dt, new long[0], new double[] {a.get().f()});
                }
                rw.setInput(n, firstInput + k, constant(n.graph(), n.label() + "_" + names.get(k), t));
                rw.removeAttr(n, names.get(k));
            }
            if (n.is("Clip") && n.attr("min").isEmpty() && n.attr("max").isEmpty()) {
                return;
            }
        } else {
            List<Value> ins = new ArrayList<>(n.inputs());
            for (int k = 0; k < names.size(); k++) {
                int idx = firstInput + k;
                if (!n.hasInput(idx)) {
                    continue;
                }
                String attr = names.get(k);
                Tensor t = n.graph().constantValue(n.input(idx)).orElseThrow(() -> fail(n, "input '"
                        + n.input(idx).name() + "' is not a constant, and before opset " + boundary + " "
                        + n.opType() + " takes it as the attribute '" + attr + "'"));
                if (ints) {
                    rw.setAttr(n, names.get(k), Attr.ofInts(t.toLongArray()));
                } else {
                    rw.setAttr(n, names.get(k), Attr.of((float) t.toDoubleArray()[0]));
                }
                ins.set(idx, Value.none());
            }
            rw.setInputs(n, trim(ins));
            if (n.attr("noop_with_empty_axes").isPresent()) {
                if (n.attrInt("noop_with_empty_axes", 0) != 0) {
                    throw fail(n, "noop_with_empty_axes=1 has no equivalent before opset " + boundary);
                }
                rw.removeAttr(n, "noop_with_empty_axes");
            }
        }
    }

    private static List<Value> trim(List<Value> ins) {
        List<Value> out = new ArrayList<>(ins);
        while (!out.isEmpty() && out.get(out.size() - 1).isNone()) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    private Value constant(Graph g, String hint, Tensor t) {
        return rw.addInitializer(g, hint, t);
    }

    private long[] constInts(Node n, int idx, String what) {
        return n.graph().constantValue(n.input(idx)).map(Tensor::toLongArray).orElseThrow(() -> fail(n,
                what + " input '" + n.input(idx).name() + "' is not a constant"));
    }

    private void pad(Node n) {
        if (down(19) && n.attrString("mode", "constant").equals("wrap")) {
            wrapPad(n);
            return;
        }
        if (down(18) && n.hasInput(3)) {
            padAxesToFullPads(n);
        }
        if (up(11)) {
            long[] pads = n.attrInts("pads").orElse(new long[0]);
            rw.setInput(n, 1, constant(n.graph(), n.label() + "_pads", Tensor.ofLongs(new long[] {pads.length}, pads)));
            float value = n.attrFloat("value", 0f);
            if (value != 0f) {
                DataType dt = types.of(n.input(0)).orElse(DataType.FLOAT);
                rw.setInput(n, 2, constant(n.graph(), n.label() + "_value", Tensor.of(dt, new long[0], new double[] {value})));
            }
            rw.removeAttr(n, "pads");
            rw.removeAttr(n, "value");
        } else if (down(11)) {
            long[] pads = constInts(n, 1, "pads");
            float value = 0;
            if (n.hasInput(2)) {
                value = (float) n.graph().constantValue(n.input(2)).orElseThrow(() -> fail(n,
                        "constant_value input is not a constant")).toDoubleArray()[0];
            }
            rw.setAttr(n, "pads", Attr.ofInts(pads));
            if (value != 0f) {
                rw.setAttr(n, "value", Attr.of(value));
            }
            rw.setInputs(n, List.of(n.input(0)));
        }
    }

    /** Pad's axes input (18) folded into pads over every axis, which needs constant pads and axes and the rank. */
    private void padAxesToFullPads(Node n) {
        long[] pads = constInts(n, 1, "pads");
        long[] axes = constInts(n, 3, "axes");
        int r = rank(n.input(0)).orElseThrow(() -> fail(n, "the axes input has no equivalent before opset 18 and the"
                + " rank of '" + n.input(0).name() + "' is unknown"));
        if (pads.length != 2L * axes.length) {
            throw fail(n, "pads has " + pads.length + " values for " + axes.length + " axes");
        }
        long[] full = new long[2 * r];
        for (int k = 0; k < axes.length; k++) {
            int a = (int) (axes[k] < 0 ? axes[k] + r : axes[k]);
            if (a < 0 || a >= r) {
                throw fail(n, "axis " + axes[k] + " is out of range for rank " + r);
            }
            full[a] = pads[k];
            full[a + r] = pads[k + axes.length];
        }
        List<Value> ins = new ArrayList<>(n.inputs());
        ins.set(1, constant(n.graph(), n.label() + "_pads", Tensor.ofLongs(new long[] {full.length}, full)));
        ins.set(3, Value.none());
        rw.setInputs(n, trim(ins));
    }

    /**
     * Pad mode=wrap (opset 19) as one Gather per padded axis: output position j of an axis of size d padded
     * by b before reads input position (j - b) mod d, which also covers negative (cropping) pads. Needs
     * constant pads no longer than their axes, and the sizes of the padded axes.
     */
    private void wrapPad(Node n) {
        Value x = n.input(0);
        long[] pads = constInts(n, 1, "pads");
        long[] dims = dimsOf(x).orElseThrow(() -> fail(n, "mode=wrap does not exist before opset 19 and the shape"
                + " of '" + x.name() + "' is unknown (declare the input shapes or run fix_shapes first)"));
        int r = dims.length;
        long[] axes = n.hasInput(3) ? constInts(n, 3, "axes") : java.util.stream.LongStream.range(0, r).toArray();
        if (pads.length != 2L * axes.length) {
            throw fail(n, "pads has " + pads.length + " values for " + axes.length + " axes");
        }
        Graph g = n.graph();
        Value y = x;
        for (int k = 0; k < axes.length; k++) {
            long b = pads[k];
            long e = pads[k + axes.length];
            if (b == 0 && e == 0) {
                continue;
            }
            int axis = (int) (axes[k] < 0 ? axes[k] + r : axes[k]);
            long d = axis >= 0 && axis < r ? dims[axis] : -1;
            // pads longer than the axis: ONNX Runtime's wrap does not repeat the axis as numpy's does, so
            // which output the model means is unclear; refused rather than guessed
            if (d <= 0 || d + b + e < 0 || b > d || e > d) {
                throw fail(n, "mode=wrap does not exist before opset 19 and the size of axis " + axis + " of '"
                        + x.name() + "' is " + (d < 0 ? "unknown (declare the input shapes or run fix_shapes first)"
                        : d + ", which the pads " + b + ", " + e + " do not fit"));
            }
            long[] idx = new long[(int) (d + b + e)];
            for (int j = 0; j < idx.length; j++) {
                idx[j] = Math.floorMod(j - b, d);
            }
            Value indices = constant(g, n.label() + "_wrap" + axis, Tensor.ofLongs(new long[] {idx.length}, idx));
            y = rw.add(g, "Gather", n.label() + "_wrap" + axis, List.of(y, indices), Map.of("axis", Attr.of((long) axis)));
        }
        if (y == x) {
            y = rw.add(g, "Identity", n.label() + "_wrap", List.of(x), Map.of());
        }
        replaceNode(n, y);
    }

    /**
     * ScatterElements / ScatterND reductions (add, mul at 16; min, max at 18). Where the target lacks the
     * reduction and the indices are constant and name each position once, reduce-then-write is exact:
     * Scatter(data, idx, R(Gather(data, idx), updates)) with the matching GatherElements / GatherND.
     */
    private void scatterReduction(Node n) {
        String red = n.attrString("reduction", "none");
        int since = red.equals("min") || red.equals("max") ? 18 : 16;
        if (red.equals("none") || to >= since) {
            return;
        }
        String op = switch (red) {
            case "add" -> "Add";
            case "mul" -> "Mul";
            case "min" -> "Min";
            case "max" -> "Max";
            default -> throw fail(n, "unknown reduction '" + red + "'");
        };
        String why = "reduction=" + red + " does not exist before opset " + since;
        Tensor idx = n.graph().constantValue(n.input(1)).orElseThrow(() -> fail(n, why + " and the indices '"
                + n.input(1).name() + "' are not a constant (only unique constant indices can be rewritten)"));
        boolean elements = n.is("ScatterElements");
        long axis = n.attrInt("axis", 0);
        long[] dims = dimsOf(n.input(0)).orElse(null);
        if (!uniqueTargets(idx, elements, axis, dims)) {
            throw fail(n, why + " and the indices name a position more than once or reach a dim of unknown size");
        }
        Optional<DataType> dt = types.of(n.input(0));
        if ((op.equals("Min") || op.equals("Max")) && to < 12 && dt.map(t -> !t.isFloatingPoint()).orElse(true)) {
            throw fail(n, why + " and " + op + " takes only float types before opset 12");
        }
        if (to < 14 && dt.map(t -> t.bits() <= 16 && !t.isFloatingPoint()).orElse(false)) {
            throw fail(n, why + " and " + op + " takes " + dt.get().name().toLowerCase(java.util.Locale.ROOT)
                    + " only from opset 14");
        }
        Graph g = n.graph();
        Map<String, Attr> gatherAttrs = elements ? Map.of("axis", Attr.of(axis)) : Map.of();
        Value old = rw.add(g, elements ? "GatherElements" : "GatherND", n.label() + "_old",
                List.of(n.input(0), n.input(1)), gatherAttrs);
        Value reduced = rw.add(g, op, n.label() + "_" + red, List.of(old, n.input(2)), Map.of());
        rw.setInput(n, 2, reduced);
        if (to < 16) {
            rw.removeAttr(n, "reduction");
        } else {
            rw.setAttr(n, "reduction", Attr.of("none"));
        }
    }

    /** Whether the constant scatter indices write each position of the data once (negatives made positive). */
    private static boolean uniqueTargets(Tensor idx, boolean elements, long axis, long[] dims) {
        long[] v = idx.toLongArray();
        long[] shape = idx.dims();
        if (v.length == 0) {
            return true;
        }
        if (shape.length == 0) {
            return false;
        }
        int r = dims == null ? -1 : dims.length;
        Set<List<Long>> seen = new java.util.HashSet<>();
        if (elements) {
            int ax = (int) (axis < 0 && r > 0 ? axis + r : axis);
            if (ax < 0 || ax >= shape.length) {
                return false;
            }
            long d = r > ax ? dims[ax] : -1;
            long[] pos = new long[shape.length];
            for (int i = 0; i < v.length; i++) {
                long t = v[i] < 0 ? (d > 0 ? v[i] + d : Long.MIN_VALUE) : v[i];
                List<Long> key = new ArrayList<>();
                for (int k = 0; k < pos.length; k++) {
                    key.add(k == ax ? t : pos[k]);
                }
                if (t == Long.MIN_VALUE || !seen.add(key)) {
                    return false;
                }
                for (int k = pos.length - 1; k >= 0 && ++pos[k] == shape[k]; k--) {
                    pos[k] = 0;
                }
            }
            return true;
        }
        int depth = (int) shape[shape.length - 1];
        for (int i = 0; i < v.length; i += depth) {
            List<Long> key = new ArrayList<>();
            for (int k = 0; k < depth; k++) {
                long x = v[i + k];
                long d = k < r ? dims[k] : -1;
                if (x < 0 && d <= 0) {
                    return false;
                }
                key.add(x < 0 ? x + d : x);
            }
            if (!seen.add(key)) {
                return false;
            }
        }
        return true;
    }

    private void split(Node n) {
        if (up(13)) {
            Optional<long[]> s = n.attrInts("split");
            if (s.isPresent()) {
                rw.setInput(n, 1, constant(n.graph(), n.label() + "_split", Tensor.ofLongs(new long[] {s.get().length}, s.get())));
                rw.removeAttr(n, "split");
            }
        }
        if (up(18) && !n.hasInput(1) && n.attr("split").isEmpty()) {
            rw.setAttr(n, "num_outputs", Attr.of((long) n.outputs().size()));
        }
        if (down(18) && n.attr("num_outputs").isPresent()) {
            // equal split of a divisible axis is what Split did without num_outputs before 18; an axis that
            // does not divide gets its sizes written out (ceil(d / n) each, the rest last)
            long parts = n.attrInt("num_outputs", 1);
            long axis = n.attrInt("axis", 0);
            long dim = dimsOf(n.input(0)).map(d -> d[(int) (axis < 0 ? axis + d.length : axis)]).orElse(-1L);
            rw.removeAttr(n, "num_outputs");
            if (dim > 0 && parts > 0 && dim % parts != 0) {
                long chunk = (dim + parts - 1) / parts;
                long[] sizes = new long[(int) parts];
                for (int k = 0; k < parts; k++) {
                    sizes[k] = Math.max(0, Math.min(chunk, dim - k * chunk));
                }
                rw.setInput(n, 1, constant(n.graph(), n.label() + "_split", Tensor.ofLongs(new long[] {parts}, sizes)));
            }
        }
        if (down(13) && n.hasInput(1)) {
            rw.setAttr(n, "split", Attr.ofInts(constInts(n, 1, "split")));
            rw.setInputs(n, List.of(n.input(0)));
        }
    }

    private void slice(Node n) {
        if (up(10)) {
            long[] starts = n.attrInts("starts").orElseThrow(() -> fail(n, "no starts attribute"));
            long[] ends = n.attrInts("ends").orElseThrow(() -> fail(n, "no ends attribute"));
            List<Value> ins = new ArrayList<>(List.of(n.input(0),
                    constant(n.graph(), n.label() + "_starts", Tensor.ofLongs(new long[] {starts.length}, starts)),
                    constant(n.graph(), n.label() + "_ends", Tensor.ofLongs(new long[] {ends.length}, ends))));
            Optional<long[]> axes = n.attrInts("axes");
            axes.ifPresent(a -> ins.add(constant(n.graph(), n.label() + "_axes", Tensor.ofLongs(new long[] {a.length}, a))));
            rw.removeAttr(n, "starts");
            rw.removeAttr(n, "ends");
            rw.removeAttr(n, "axes");
            rw.setInputs(n, ins);
        } else if (down(10)) {
            long[] starts = constInts(n, 1, "starts");
            long[] ends = constInts(n, 2, "ends");
            if (n.hasInput(4)) {
                for (long s : constInts(n, 4, "steps")) {
                    if (s != 1) {
                        throw fail(n, "steps other than 1 have no equivalent before opset 10");
                    }
                }
            }
            rw.setAttr(n, "starts", Attr.ofInts(starts));
            rw.setAttr(n, "ends", Attr.ofInts(ends));
            if (n.hasInput(3)) {
                rw.setAttr(n, "axes", Attr.ofInts(constInts(n, 3, "axes")));
            }
            rw.setInputs(n, List.of(n.input(0)));
        }
    }

    private void topK(Node n) {
        if (down(11)) {
            requireDefault(n, "largest", "1");
            requireDefault(n, "sorted", "1");
        }
        if (up(10)) {
            long k = n.attrInt("k", -1);
            rw.setInput(n, 1, constant(n.graph(), n.label() + "_k", Tensor.ofLongs(new long[] {1}, k)));
            rw.removeAttr(n, "k");
        } else if (down(10)) {
            rw.setAttr(n, "k", Attr.of(constInts(n, 1, "K")[0]));
            rw.setInputs(n, List.of(n.input(0)));
        }
    }

    private void dropout(Node n) {
        if (crosses(from, to, 10) && usedOutputs(n, 1)) {
            throw fail(n, "the mask output changed type at opset 10 (to bool) and is in use");
        }
        if (up(12)) {
            float ratio = n.attrFloat("ratio", 0.5f);
            rw.removeAttr(n, "ratio");
            if (ratio != 0.5f) {
                rw.setInput(n, 1, constant(n.graph(), n.label() + "_ratio", Tensor.scalarFloat(ratio)));
            }
        } else if (down(12)) {
            rw.removeAttr(n, "seed"); // only drives training-mode masks, which opsets before 12 never run
            if (n.hasInput(2)) {
                boolean training = n.graph().constantValue(n.input(2)).map(t -> t.toDoubleArray()[0] != 0)
                        .orElseThrow(() -> fail(n, "training_mode input is not a constant"));
                if (training) {
                    throw fail(n, "training_mode=true has no equivalent before opset 12");
                }
            }
            if (n.hasInput(1)) {
                Tensor r = n.graph().constantValue(n.input(1)).orElseThrow(() -> fail(n, "ratio input is not a constant"));
                rw.setAttr(n, "ratio", Attr.of((float) r.toDoubleArray()[0]));
            }
            rw.setInputs(n, List.of(n.input(0)));
        }
    }

    private void batchNorm(Node n) {
        if (crosses(from, to, 14) && usedOutputs(n, 1) && n.attrInt("training_mode", 0) == 0) {
            throw fail(n, "the running mean/variance outputs are in use, which from opset 14 on needs training_mode=1");
        }
        if (up(9) && n.attr("spatial").isPresent()) {
            if (n.attrInt("spatial", 1) != 1) {
                throw fail(n, "spatial=0 has no equivalent from opset 9 on");
            }
            rw.removeAttr(n, "spatial");
        }
        if (down(14) && n.attr("training_mode").isPresent()) {
            if (n.attrInt("training_mode", 0) != 0) {
                throw fail(n, "training_mode=1 has no equivalent before opset 14");
            }
            rw.removeAttr(n, "training_mode");
        }
    }

    /** Ops whose output has the rank of their inputs (numpy broadcasting: the largest). */
    private static final Set<String> SAME_RANK = Set.of("Abs", "Add", "BatchNormalization", "Cast", "Ceil", "Clip",
            "Div", "Dropout", "Elu", "Erf", "Exp", "Floor", "HardSigmoid", "HardSwish", "Identity", "InstanceNormalization",
            "LeakyRelu", "Log", "LogSoftmax", "Mul", "Neg", "Pow", "PRelu", "Reciprocal", "Relu", "Selu", "Sigmoid",
            "Softmax", "Softplus", "Sqrt", "Sub", "Tanh", "Where");

    private Optional<Integer> rank(Value v) {
        return rank(v, 0);
    }

    /**
     * The rank of {@code v} from its declared type, shape inference, or (where inference lost the dims, e.g.
     * after a Reshape of computed shape) from the producer alone: Transpose's perm, Reshape's shape length,
     * and ops that keep their inputs' rank.
     */
    private Optional<Integer> rank(Value v, int depth) {
        Optional<Integer> known = rankOf(v);
        if (known.isPresent() || depth > MAX_DEPTH) {
            return known;
        }
        Optional<Integer> memo = rankMemo.get(v);
        if (memo != null) {
            return memo;
        }
        Optional<Integer> r = producerRank(v, depth);
        rankMemo.put(v, r);
        return r;
    }

    private Optional<Integer> producerRank(Value v, int depth) {
        Optional<Node> p = v.producer();
        if (p.isEmpty()) {
            return Optional.empty();
        }
        Node n = p.get();
        if (n.is("Transpose") && n.attrInts("perm").isPresent()) {
            return Optional.of(n.attrInts("perm").get().length);
        }
        if (n.is("Reshape") && n.hasInput(1)) {
            Optional<long[]> sd = dimsOf(n.input(1));
            if (sd.isPresent() && sd.get().length == 1 && sd.get()[0] >= 0) {
                return Optional.of((int) sd.get()[0]);
            }
            long count = elementCount(n.input(1), depth + 1);
            return count >= 0 ? Optional.of((int) count) : Optional.empty();
        }
        if (n.is("MatMul")) {
            Optional<Integer> a = rank(n.input(0), depth + 1);
            Optional<Integer> b = rank(n.input(1), depth + 1);
            return a.isPresent() && b.isPresent() && a.get() >= 2 && b.get() >= 2
                    ? Optional.of(Math.max(a.get(), b.get())) : Optional.empty();
        }
        if (Set.of("Concat", "Slice", "Pad", "Split", "Resize", "Tile").contains(n.opType())) {
            return rank(n.input(0), depth + 1);
        }
        if (n.opType().startsWith("Reduce") || n.is("Unsqueeze") || n.is("Squeeze")) {
            Optional<Integer> in = rank(n.input(0), depth + 1);
            if (in.isEmpty() || n.opType().startsWith("Reduce") && n.attrInt("keepdims", 1) != 0) {
                return in;
            }
            Optional<long[]> axes = n.attrInts("axes").or(() -> n.hasInput(1)
                    ? n.graph().constantValue(n.input(1)).map(Tensor::toLongArray) : Optional.empty());
            if (axes.isEmpty()) {
                return n.opType().startsWith("Reduce") ? Optional.of(0) : Optional.empty();
            }
            return Optional.of(in.get() + (n.is("Unsqueeze") ? 1 : -1) * axes.get().length);
        }
        if (SAME_RANK.contains(n.opType()) && n.output(0) == v) {
            int best = -1;
            for (Value in : n.inputs()) {
                if (in.isNone()) {
                    continue;
                }
                Optional<Integer> r = rank(in, depth + 1);
                if (r.isEmpty()) {
                    return Optional.empty();
                }
                best = Math.max(best, r.get());
            }
            return best < 0 ? Optional.empty() : Optional.of(best);
        }
        return Optional.empty();
    }

    /** Elements of a small integer value (a shape being built), or -1: from dims, or through Concat and Cast. */
    private long elementCount(Value v, int depth) {
        Long memo = countMemo.get(v);
        if (memo != null) {
            return memo;
        }
        long c = producerCount(v, depth);
        countMemo.put(v, c);
        return c;
    }

    private long producerCount(Value v, int depth) {
        for (StaticShapes sh : shapes.values()) {
            Optional<StaticShapes.Partial> part = sh.partial(v);
            if (part.isPresent()) {
                return part.get().elements().size();
            }
        }
        Optional<long[]> d = dimsOf(v);
        if (d.isPresent() && Arrays.stream(d.get()).allMatch(x -> x >= 0)) {
            return Arrays.stream(d.get()).reduce(1, (a, b) -> a * b);
        }
        Optional<Node> p = v.producer();
        if (p.isEmpty() || depth > MAX_DEPTH) {
            return -1;
        }
        Node n = p.get();
        if (n.is("Cast") || n.is("Unsqueeze") || n.is("Squeeze") || n.is("Identity")) {
            return elementCount(n.input(0), depth + 1);
        }
        if (n.is("Shape") && n.attr("start").isEmpty() && n.attr("end").isEmpty()) {
            return rank(n.input(0), depth + 1).map(Integer::longValue).orElse(-1L);
        }
        if (n.is("Slice")) {
            long len = elementCount(n.input(0), depth + 1);
            Optional<long[]> st = n.attrInts("starts").or(() -> n.hasInput(1)
                    ? n.graph().constantValue(n.input(1)).map(Tensor::toLongArray) : Optional.empty());
            Optional<long[]> en = n.attrInts("ends").or(() -> n.hasInput(2)
                    ? n.graph().constantValue(n.input(2)).map(Tensor::toLongArray) : Optional.empty());
            if (len < 0 || st.isEmpty() || en.isEmpty() || st.get().length != 1 || en.get().length != 1 || n.hasInput(4)) {
                return -1;
            }
            long b = Math.max(0, Math.min(len, st.get()[0] < 0 ? st.get()[0] + len : st.get()[0]));
            long e = Math.max(0, Math.min(len, en.get()[0] < 0 ? en.get()[0] + len : en.get()[0]));
            return Math.max(0, e - b);
        }
        if (n.is("Gather") && rank(n.input(0), depth + 1).orElse(-1) == 1) {
            return elementCount(n.input(1), depth + 1);
        }
        if (Set.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Floor", "Ceil", "Neg", "Abs").contains(n.opType())) {
            long most = 0;
            for (Value in : n.inputs()) {
                long c = elementCount(in, depth + 1);
                if (c < 0) {
                    return -1;
                }
                most = Math.max(most, c);
            }
            return most;
        }
        if (n.is("Concat")) {
            long sum = 0;
            for (Value in : n.inputs()) {
                long c = elementCount(in, depth + 1);
                if (c < 0) {
                    return -1;
                }
                sum += c;
            }
            return sum;
        }
        return -1;
    }

    private Optional<Integer> rankOf(Value v) {
        Optional<Integer> declared = v.tensorType().flatMap(ValueType.TensorType::rank);
        if (declared.isPresent()) {
            return declared;
        }
        for (StaticShapes s : shapes.values()) {
            Optional<Integer> inferred = s.rank(v);
            if (inferred.isPresent()) {
                return inferred;
            }
        }
        Optional<Node> p = v.producer();
        if (p.isPresent() && p.get().is("Flatten")) {
            return Optional.of(2);
        }
        if (p.isPresent() && p.get().is("Gemm")) {
            return Optional.of(2);
        }
        return Optional.empty();
    }

    /**
     * Before 13, Softmax(axis=a) flattens the input to 2-D at a and normalizes each row; from 13 on it
     * normalizes along the single axis a. The two agree when a is the last axis. Otherwise: going up,
     * Flatten(a) → Softmax(-1) → Reshape(Shape(x)) keeps the old meaning for any rank; going down, a
     * single non-last axis is moved last by a Transpose pair (needs the rank).
     */
    private void softmax(Node n) {
        if (!crosses(from, to, 13)) {
            return;
        }
        Value x = n.input(0);
        Optional<Integer> r = rank(x);
        if (up(13)) {
            long a = n.attrInt("axis", 1);
            if (r.isPresent() && (a == r.get() - 1 || a == -1)) {
                rw.setAttr(n, "axis", Attr.of(-1L));
                return;
            }
            Graph g = n.graph();
            Value flat = rw.add(g, "Flatten", n.label() + "_flatten", List.of(x), Map.of("axis", Attr.of(a)));
            Value shape = rw.add(g, "Shape", n.label() + "_shape", List.of(x), Map.of());
            rw.setInput(n, 0, flat);
            rw.setAttr(n, "axis", Attr.of(-1L));
            Value out = n.output();
            String name = out.name();
            Optional<ValueType> type = out.type();
            Value reshaped = rw.add(g, "Reshape", n.label() + "_reshape", List.of(out, shape), Map.of());
            rw.replaceAllUses(out, reshaped);
            rw.setInput(reshaped.producer().orElseThrow(), 0, out);
            rw.rename(out, rw.uniqueName(name + "_2d"));
            rw.rename(reshaped, name);
            if (type.isPresent()) {
                rw.clearType(out);
                rw.setType(reshaped, type.get());
            }
        } else {
            long a = n.attrInt("axis", -1);
            if (a == -1 && to >= 11) {
                return; // flattening at the last axis normalizes the last axis alone
            }
            int rk = r.orElseThrow(() -> fail(n, "axis " + a + " changes meaning before opset 13 and the input rank"
                    + " is unknown (run fix_shapes first)"));
            long axis = a < 0 ? a + rk : a;
            if (axis == rk - 1) {
                rw.setAttr(n, "axis", Attr.of(axis));
                return;
            }
            long[] perm = new long[rk];
            for (int i = 0; i < rk; i++) {
                perm[i] = i;
            }
            perm[(int) axis] = rk - 1;
            perm[rk - 1] = axis;
            Graph g = n.graph();
            Value t = rw.add(g, "Transpose", n.label() + "_to_last", List.of(x), Map.of("perm", Attr.ofInts(perm)));
            rw.setInput(n, 0, t);
            rw.setAttr(n, "axis", Attr.of((long) rk - 1));
            Value out = n.output();
            String name = out.name();
            Optional<ValueType> type = out.type();
            Value back = rw.add(g, "Transpose", n.label() + "_back", List.of(out), Map.of("perm", Attr.ofInts(perm)));
            rw.replaceAllUses(out, back);
            rw.setInput(back.producer().orElseThrow(), 0, out);
            rw.rename(out, rw.uniqueName(name + "_last"));
            rw.rename(back, name);
            if (type.isPresent()) {
                rw.clearType(out);
                rw.setType(back, type.get());
            }
        }
    }

    // ---------------------------------------------------------------- Upsample / Resize

    private void upsample(Node n) {
        if (up(9)) {
            float[] s = n.attrFloats("scales").orElseThrow(() -> fail(n, "no scales attribute"));
            rw.setInput(n, 1, constant(n.graph(), n.label() + "_scales", Tensor.ofFloats(new long[] {s.length}, s)));
            rw.removeAttr(n, "scales");
        } else if (down(9)) {
            Tensor s = n.graph().constantValue(n.input(1)).orElseThrow(() -> fail(n, "scales input is not a constant"));
            rw.setAttr(n, "scales", Attr.ofFloats(s.toFloatArray()));
            rw.setInputs(n, List.of(n.input(0)));
        }
    }

    /** Upsample (asymmetric coordinates, floor for nearest) becomes the equivalent Resize. */
    private void upsampleToResize(Node n) {
        String mode = n.attrString("mode", "nearest");
        Value scales;
        if (n.attr("scales").isPresent()) {
            float[] s = n.attrFloats("scales").get();
            scales = constant(n.graph(), n.label() + "_scales", Tensor.ofFloats(new long[] {s.length}, s));
            rw.removeAttr(n, "scales");
        } else {
            scales = n.input(1);
        }
        rw.setOpType(n, "Resize", "");
        writeResize(n, mode.equals("bilinear") ? "linear" : mode, "asymmetric", "floor", Value.none(), scales,
                Value.none());
    }

    /**
     * Resize changed at 11 (roi input, coordinate_transformation_mode, nearest_mode; 10 behaves as
     * asymmetric + floor) and 13 (roi and scales optional). Reads the node in its current form and writes
     * it in the target's, failing where the target cannot express its coordinate mapping.
     */
    private void resize(Node n) {
        boolean was10 = from < 11;
        boolean is10 = to < 11;
        if (down(19) && n.attrString("coordinate_transformation_mode", "").equals("half_pixel_symmetric")) {
            throw fail(n, "coordinate_transformation_mode=half_pixel_symmetric does not exist before opset 19");
        }
        if (!was10 && !is10 && !crosses(from, to, 13)) {
            return;
        }
        String mode = n.attrString("mode", "nearest");
        Value roi;
        Value scales;
        Value sizes;
        String ctm;
        String nearest;
        if (was10) {
            roi = Value.none();
            scales = n.input(1);
            sizes = Value.none();
            ctm = "asymmetric";
            nearest = "floor";
        } else {
            roi = n.input(1);
            scales = n.input(2);
            sizes = n.input(3);
            ctm = n.attrString("coordinate_transformation_mode", "half_pixel");
            nearest = n.attrString("nearest_mode", "round_prefer_floor");
        }
        if (scales.isNone() || n.graph().constantValue(scales).map(t -> t.elementCount() == 0).orElse(false)) {
            scales = Value.none();
        }
        if (sizes.isNone() || n.graph().constantValue(sizes).map(t -> t.elementCount() == 0).orElse(false)) {
            sizes = Value.none();
        }
        if (roi.isNone() || n.graph().constantValue(roi).map(t -> t.elementCount() == 0).orElse(false)) {
            roi = Value.none();
        }
        if (is10) {
            if (!sizes.isNone() || scales.isNone()) {
                throw fail(n, "Resize gives output sizes, but before opset 11 it takes only scales");
            }
            if (!roi.isNone() || ctm.equals("tf_crop_and_resize")) {
                throw fail(n, "a region of interest has no equivalent before opset 11");
            }
            if (mode.equals("cubic")) {
                throw fail(n, "cubic mode does not exist before opset 11");
            }
            boolean same = ctm.equals("asymmetric") && (mode.equals("linear") || nearest.equals("floor"));
            if (!same && mode.equals("nearest") && ctm.equals("half_pixel") && nearest.equals("round_prefer_floor")) {
                // with whole-number upscales, half-pixel centres rounded down pick the same pixels as floor
                Optional<Tensor> s = n.graph().constantValue(scales);
                same = s.isPresent() && Arrays.stream(s.get().toDoubleArray()).allMatch(v -> v >= 1 && v == Math.rint(v));
            }
            if (!same) {
                throw fail(n, "coordinate_transformation_mode=" + ctm + (mode.equals("nearest") ? ", nearest_mode="
                        + nearest : "") + " has no equivalent before opset 11 (which uses asymmetric, floor)");
            }
            for (String a : List.of("antialias", "axes", "keep_aspect_ratio_policy", "cubic_coeff_a",
                    "exclude_outside", "extrapolation_value")) {
                if (n.attr(a).isPresent()) {
                    rw.removeAttr(n, a);
                }
            }
        }
        writeResize(n, mode, ctm, nearest, roi, scales, sizes);
    }

    private void writeResize(Node n, String mode, String ctm, String nearest, Value roi, Value scales, Value sizes) {
        Graph g = n.graph();
        rw.removeAttr(n, "coordinate_transformation_mode");
        rw.removeAttr(n, "nearest_mode");
        rw.setAttr(n, "mode", Attr.of(mode));
        if (to < 10) {
            rw.setOpType(n, "Upsample", "");
            if (to < 9) {
                Tensor s = g.constantValue(scales).orElseThrow(() -> fail(n, "scales input is not a constant"));
                rw.setAttr(n, "scales", Attr.ofFloats(s.toFloatArray()));
                rw.setInputs(n, List.of(n.input(0)));
            } else {
                rw.setInputs(n, List.of(n.input(0), scales));
            }
            return;
        }
        if (to < 11) {
            rw.setInputs(n, List.of(n.input(0), scales));
            return;
        }
        rw.setAttr(n, "coordinate_transformation_mode", Attr.of(ctm));
        if (mode.equals("nearest")) {
            rw.setAttr(n, "nearest_mode", Attr.of(nearest));
        }
        List<Value> ins = new ArrayList<>(List.of(n.input(0), roi, scales, sizes));
        if (to < 13) {
            // roi and scales are required inputs before 13: an empty tensor stands for "not given"
            if (roi.isNone()) {
                ins.set(1, constant(g, n.label() + "_roi", Tensor.ofFloats(new long[] {0})));
            }
            if (scales.isNone()) {
                ins.set(2, constant(g, n.label() + "_scales", Tensor.ofFloats(new long[] {0})));
            }
        }
        rw.setInputs(n, trim(ins));
    }

    // ---------------------------------------------------------------- negative axes, accepted from opset 11

    /** Ops whose {@code axis} attribute accepts negative values only from opset 11. */
    private static final Set<String> AXIS_11 = Set.of("ArgMax", "ArgMin", "Compress", "Concat", "Flatten", "Gather",
            "Hardmax", "LogSoftmax", "Softmax", "Split", "Scatter");
    /** Ops whose {@code axes} (attribute, or Slice's input) accept negative values only from opset 11. */
    private static final Set<String> AXES_11 = Set.of("Squeeze", "Unsqueeze", "Slice", "ReduceSum", "ReduceMax",
            "ReduceMin", "ReduceMean", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
            "ReduceSumSquare");

    /**
     * Below opset 11 axes count from the front only: a negative axis is rewritten as {@code axis + rank}
     * with the rank from declared or inferred shapes, and refused by name when the rank is unknown.
     * Constant negative Gather indices become non-negative the same way when the gathered dim is known.
     */
    private void nonNegativeAxes(Node n) {
        String op = n.opType();
        if (AXIS_11.contains(op)) {
            Optional<Attr> a = n.attr("axis");
            if (a.isPresent() && a.get().kind() == Attr.Kind.INT && a.get().i() < 0) {
                long r = rankOrFail(n, n.input(0), "axis " + a.get().i());
                rw.setAttr(n, "axis", Attr.of(a.get().i() + r));
            }
            if (op.equals("Gather")) {
                gatherIndices(n);
            }
            return;
        }
        if (!AXES_11.contains(op)) {
            return;
        }
        Optional<long[]> attr = n.attrInts("axes");
        boolean asInput = attr.isEmpty() && op.equals("Slice") && n.hasInput(3);
        Optional<Tensor> input = asInput ? n.graph().constantValue(n.input(3)) : Optional.empty();
        long[] axes = attr.orElseGet(() -> input.map(Tensor::toLongArray).orElse(new long[0]));
        if (Arrays.stream(axes).allMatch(x -> x >= 0)) {
            return;
        }
        String what = "axes " + Arrays.toString(axes);
        long r = rankOrFail(n, n.input(0), what) + (op.equals("Unsqueeze") ? axes.length : 0);
        long[] fixed = Arrays.stream(axes).map(x -> x < 0 ? x + r : x).toArray();
        if (!asInput) {
            rw.setAttr(n, "axes", Attr.ofInts(fixed));
        } else {
            Tensor t = input.get();
            Tensor nt = t.dataType() == DataType.INT64 ? Tensor.ofLongs(t.dims(), fixed)
                    : Tensor.of(t.dataType(), t.dims(), Arrays.stream(fixed).asDoubleStream().toArray());
            rw.setInput(n, 3, constant(n.graph(), n.label() + "_axes", nt));
        }
    }

    private long rankOrFail(Node n, Value x, String what) {
        return rank(x).orElseThrow(() -> fail(n, "negative " + what + " is accepted only from opset 11 and the rank of '"
                + x.name() + "' is unknown (declare the input shapes or run fix_shapes first)"));
    }

    private void gatherIndices(Node n) {
        Optional<Tensor> idx = n.graph().constantValue(n.input(1));
        if (idx.isEmpty() || Arrays.stream(idx.get().toLongArray()).allMatch(x -> x >= 0)) {
            return;
        }
        long axis = n.attrInt("axis", 0);
        Optional<long[]> dims = dimsOf(n.input(0));
        long dim = dims.isPresent() && axis < dims.get().length ? dims.get()[(int) axis] : -1;
        if (dim < 0) {
            throw fail(n, "negative indices are accepted only from opset 11 and the size of axis " + axis + " of '"
                    + n.input(0).name() + "' is unknown");
        }
        long[] fixed = Arrays.stream(idx.get().toLongArray()).map(x -> x < 0 ? x + dim : x).toArray();
        Tensor t = idx.get();
        Tensor nt = t.dataType() == DataType.INT64 ? Tensor.ofLongs(t.dims(), fixed)
                : Tensor.of(t.dataType(), t.dims(), Arrays.stream(fixed).asDoubleStream().toArray());
        rw.setInput(n, 1, constant(n.graph(), n.label() + "_indices", nt));
    }

    /** Dims of {@code v} (-1 where unknown) from its declared type and shape inference, or empty. */
    private Optional<long[]> dimsOf(Value v) {
        long[] best = v.tensorType().flatMap(ValueType.TensorType::knownDims).orElse(null);
        for (StaticShapes s : shapes.values()) {
            Optional<long[]> d = s.dims(v);
            if (d.isPresent() && best == null) {
                best = d.get();
            } else if (d.isPresent() && d.get().length == best.length) {
                for (int i = 0; i < best.length; i++) {
                    best[i] = best[i] < 0 ? d.get()[i] : best[i];
                }
            }
        }
        return Optional.ofNullable(best);
    }

    // ---------------------------------------------------------------- element types, experimental ops, legacy forms

    /** Refuses a node that reads or writes an element type no op takes at the target opset. */
    private void typesExist(Node n) {
        if (to >= 23) {
            return;
        }
        List<Value> values = new ArrayList<>(n.inputs());
        values.addAll(n.outputs());
        for (Value v : values) {
            Optional<DataType> t = v.isNone() ? Optional.empty() : types.of(v);
            Optional<Integer> since = t.flatMap(OpsetVersions::typeSince);
            if (since.isPresent() && to < since.get()) {
                throw fail(n, "'" + v.name() + "' is " + t.get().name().toLowerCase(java.util.Locale.ROOT)
                        + ", which no op takes before opset " + since.get());
            }
        }
        if ((n.is("Cast") || n.is("ConstantOfShape")) && n.attr("to").map(a -> a.kind() == Attr.Kind.INT).orElse(false)) {
            Optional<Integer> since = DataType.fromCode((int) n.attrInt("to", 0)).flatMap(OpsetVersions::typeSince);
            if (since.isPresent() && to < since.get()) {
                throw fail(n, "a cast to " + DataType.fromCode((int) n.attrInt("to", 0)).orElseThrow().name()
                        .toLowerCase(java.util.Locale.ROOT) + " does not exist before opset " + since.get());
            }
        }
    }

    /** True when an output from index {@code first} on is read by a node or is a graph output. */
    private static boolean usedOutputs(Node n, int first) {
        for (int i = first; i < n.outputs().size(); i++) {
            Value v = n.output(i);
            if (!v.isNone() && (!v.uses().isEmpty() || n.graph().outputs().contains(v))) {
                return true;
            }
        }
        return false;
    }

    private Value scalar(Graph g, String hint, Value like, double v) {
        DataType dt = types.of(like).orElse(DataType.FLOAT);
        return constant(g, hint, Tensor.of(dt, new long[0], new double[] {v}));
    }

    private float requiredFloat(Node n, String attr) {
        return n.attr(attr).map(Attr::f).orElseThrow(() -> fail(n, "attribute " + attr + " is not set (it has no"
                + " default)"));
    }

    /**
     * The experimental ops of opsets 1–9 (gone at 10) that have exact standard forms are rewritten into them:
     * ImageScaler, Scale, Affine, ScaledTanh and ParametricSoftplus as elementwise chains, Crop and
     * DynamicSlice as Slice. The others are refused by name.
     */
    private void experimental(Node n) {
        Graph g = n.graph();
        Value x = n.input(0);
        String l = n.label();
        Value out = switch (n.opType()) {
            case "Scale" -> rw.add(g, "Mul", l + "_scale", List.of(x, scalar(g, l + "_s", x, n.attrFloat("scale", 1f))), Map.of());
            case "Affine" -> rw.add(g, "Add", l + "_beta", List.of(rw.add(g, "Mul", l + "_alpha",
                    List.of(x, scalar(g, l + "_a", x, n.attrFloat("alpha", 1f))), Map.of()),
                    scalar(g, l + "_b", x, n.attrFloat("beta", 0f))), Map.of());
            case "ScaledTanh" -> rw.add(g, "Mul", l + "_alpha", List.of(rw.add(g, "Tanh", l + "_tanh",
                    List.of(rw.add(g, "Mul", l + "_beta", List.of(x, scalar(g, l + "_b", x, requiredFloat(n, "beta"))),
                            Map.of())), Map.of()), scalar(g, l + "_a", x, requiredFloat(n, "alpha"))), Map.of());
            case "ParametricSoftplus" -> rw.add(g, "Mul", l + "_alpha", List.of(rw.add(g, "Softplus", l + "_softplus",
                    List.of(rw.add(g, "Mul", l + "_beta", List.of(x, scalar(g, l + "_b", x, requiredFloat(n, "beta"))),
                            Map.of())), Map.of()), scalar(g, l + "_a", x, requiredFloat(n, "alpha"))), Map.of());
            case "ImageScaler" -> imageScaler(n);
            case "Crop" -> crop(n);
            case "DynamicSlice" -> rw.add(g, "Slice", l + "_slice", n.inputs(), Map.of());
            default -> throw fail(n, n.opType() + " is one of the experimental ops of opsets 1-9, gone from opset 10 on,"
                    + " and has no standard form");
        };
        replaceNode(n, out);
    }

    private Value imageScaler(Node n) {
        Graph g = n.graph();
        Value x = n.input(0);
        Value scaled = rw.add(g, "Mul", n.label() + "_scale", List.of(x, scalar(g, n.label() + "_s", x,
                n.attrFloat("scale", 1f))), Map.of());
        Optional<float[]> bias = n.attrFloats("bias");
        if (bias.isEmpty()) {
            return scaled;
        }
        DataType dt = types.of(x).orElse(DataType.FLOAT);
        double[] b = new double[bias.get().length];
        for (int i = 0; i < b.length; i++) {
            b[i] = bias.get()[i];
        }
        Value bv = constant(g, n.label() + "_bias", Tensor.of(dt, new long[] {1, b.length, 1, 1}, b));
        return rw.add(g, "Add", n.label() + "_bias", List.of(scaled, bv), Map.of());
    }

    /** Crop(border=[left, top, right, bottom], scale=[h, w]) of an NCHW input as a Slice on axes 2 and 3. */
    private Value crop(Node n) {
        long[] border = n.attrInts("border").orElseThrow(() -> fail(n, "attribute border is not set"));
        if (border.length != 4) {
            throw fail(n, "border has " + border.length + " values, not 4");
        }
        Optional<long[]> scale = n.attrInts("scale");
        long[] starts = {border[1], border[0]};
        long[] ends = scale.isPresent() && scale.get().length == 2
                ? new long[] {border[1] + scale.get()[0], border[0] + scale.get()[1]}
                : new long[] {border[3] > 0 ? -border[3] : Long.MAX_VALUE, border[2] > 0 ? -border[2] : Long.MAX_VALUE};
        Graph g = n.graph();
        String l = n.label();
        return rw.add(g, "Slice", l + "_crop", List.of(n.input(0),
                constant(g, l + "_starts", Tensor.ofLongs(new long[] {2}, starts)),
                constant(g, l + "_ends", Tensor.ofLongs(new long[] {2}, ends)),
                constant(g, l + "_axes", Tensor.ofLongs(new long[] {2}, 2, 3))), Map.of());
    }

    /** The experimental MeanVarianceNormalization (across_channels, normalize_variance) as the opset-9 one (axes). */
    private void meanVarianceNormalization1(Node n) {
        if (n.attrInt("normalize_variance", 1) == 0) {
            throw fail(n, "normalize_variance=0 has no equivalent in the MeanVarianceNormalization of opset 9");
        }
        boolean across = n.attrInt("across_channels", 0) != 0;
        rw.removeAttr(n, "normalize_variance");
        rw.removeAttr(n, "across_channels");
        rw.setAttr(n, "axes", across ? Attr.ofInts(0, 1, 2, 3) : Attr.ofInts(0, 2, 3));
    }

    /** Tile of opsets 1–5 (input, tiles, axis) as Tile-6 (input, repeats). */
    private void legacyTile(Node n) {
        long tiles = constInts(n, 1, "tiles")[0];
        long axis = constInts(n, 2, "axis")[0];
        int r = rank(n.input(0)).orElseThrow(() -> fail(n, "the rank of '" + n.input(0).name() + "' is unknown"));
        long[] repeats = new long[r];
        Arrays.fill(repeats, 1);
        repeats[(int) (axis < 0 ? axis + r : axis)] = tiles;
        rw.setInputs(n, List.of(n.input(0), constant(n.graph(), n.label() + "_repeats",
                Tensor.ofLongs(new long[] {r}, repeats))));
    }

    /**
     * LayerNormalization (17) below 17: (x - mean) / sqrt(var + epsilon) * scale + bias over the axes from
     * {@code axis} to the last, for float and double inputs whose Mean/InvStdDev outputs are not used.
     */
    private void layerNorm(Node n) {
        DataType dt = types.of(n.input(0)).orElse(DataType.UNDEFINED);
        if (dt != DataType.FLOAT && dt != DataType.DOUBLE) {
            throw fail(n, "LayerNormalization does not exist before opset 17 and is rewritten only for float and double"
                    + " inputs");
        }
        if (usedOutputs(n, 1)) {
            throw fail(n, "LayerNormalization does not exist before opset 17 and its Mean/InvStdDev outputs are in use");
        }
        long axis = n.attrInt("axis", -1);
        Optional<Integer> r = rank(n.input(0));
        long[] axes;
        if (axis < 0 && (to >= 11 || r.isEmpty())) {
            axes = java.util.stream.LongStream.range(axis, 0).toArray();
        } else {
            int rk = r.orElseThrow(() -> fail(n, "LayerNormalization does not exist before opset 17 and the rank of '"
                    + n.input(0).name() + "' is unknown"));
            long a = axis < 0 ? axis + rk : axis;
            axes = java.util.stream.LongStream.range(a, rk).toArray();
        }
        if (to < 11 && Arrays.stream(axes).anyMatch(v -> v < 0)) {
            throw fail(n, "LayerNormalization does not exist before opset 17 and the rank of '" + n.input(0).name()
                    + "' is unknown");
        }
        Graph g = n.graph();
        String l = n.label();
        Value x = n.input(0);
        Map<String, Attr> reduce = Map.of("axes", Attr.ofInts(axes), "keepdims", Attr.of(1L));
        Value mean = rw.add(g, "ReduceMean", l + "_mean", List.of(x), reduce);
        Value d = rw.add(g, "Sub", l + "_centered", List.of(x, mean), Map.of());
        Value sq = rw.add(g, "Mul", l + "_square", List.of(d, d), Map.of());
        Value var = rw.add(g, "ReduceMean", l + "_var", List.of(sq), reduce);
        Value eps = rw.add(g, "Add", l + "_var_eps", List.of(var, scalar(g, l + "_eps", x, n.attrFloat("epsilon", 1e-5f))),
                Map.of());
        Value std = rw.add(g, "Sqrt", l + "_std", List.of(eps), Map.of());
        Value y = rw.add(g, "Div", l + "_normalized", List.of(d, std), Map.of());
        y = rw.add(g, "Mul", l + "_scaled", List.of(y, n.input(1)), Map.of());
        if (n.hasInput(2)) {
            y = rw.add(g, "Add", l + "_biased", List.of(y, n.input(2)), Map.of());
        }
        replaceNode(n, y);
    }

    // ---------------------------------------------------------------- later semantic changes

    /** RoiAlign 16 added coordinate_transformation_mode, defaulting to half_pixel; before, it was output_half_pixel. */
    private void roiAlign(Node n) {
        if (up(16) && n.attr("coordinate_transformation_mode").isEmpty()) {
            rw.setAttr(n, "coordinate_transformation_mode", Attr.of("output_half_pixel"));
        } else if (down(16)) {
            String ctm = n.attrString("coordinate_transformation_mode", "half_pixel");
            if (!ctm.equals("output_half_pixel")) {
                throw fail(n, "coordinate_transformation_mode=" + ctm + " has no equivalent before opset 16 (which uses"
                        + " output_half_pixel)");
            }
            rw.removeAttr(n, "coordinate_transformation_mode");
        }
    }

    /** GridSample 20 renamed bilinear/bicubic to linear/cubic and took any rank (16: 4-D only). */
    private void gridSample(Node n) {
        if (up(20) && n.attr("mode").isPresent()) {
            String m = n.attrString("mode", "bilinear");
            rw.setAttr(n, "mode", Attr.of(m.equals("bilinear") ? "linear" : m.equals("bicubic") ? "cubic" : m));
        } else if (down(20)) {
            int r = rank(n.input(0)).orElseThrow(() -> fail(n, "GridSample takes only 4-D inputs before opset 20 and the"
                    + " rank of '" + n.input(0).name() + "' is unknown"));
            if (r != 4) {
                throw fail(n, "GridSample takes only 4-D inputs before opset 20, not " + r + "-D");
            }
            String m = n.attrString("mode", "linear");
            rw.setAttr(n, "mode", Attr.of(m.equals("linear") ? "bilinear" : m.equals("cubic") ? "bicubic" : m));
        }
    }

    /** GroupNormalization 21 takes scale and bias per channel; 18 took them per group. */
    private void groupNorm(Node n) {
        if (!crosses(from, to, 21)) {
            return;
        }
        long groups = n.attrInt("num_groups", 0);
        long c = dimsOf(n.input(0)).filter(d -> d.length > 1).map(d -> d[1]).orElse(-1L);
        if (groups <= 0 || c <= 0 || c % groups != 0) {
            throw fail(n, "scale and bias changed from per group to per channel at opset 21 and the channel count of '"
                    + n.input(0).name() + "' is " + (c <= 0 ? "unknown" : c + " for " + groups + " groups"));
        }
        for (int i = 1; i <= 2; i++) {
            int idx = i;
            Tensor t = n.graph().constantValue(n.input(i)).orElseThrow(() -> fail(n, "scale and bias changed from per"
                    + " group to per channel at opset 21 and '" + n.input(idx).name() + "' is not a constant"));
            double[] v = t.toDoubleArray();
            int per = (int) (c / groups);
            double[] w;
            if (up(21)) {
                w = new double[(int) c];
                for (int k = 0; k < w.length; k++) {
                    w[k] = v[k / per];
                }
            } else {
                w = new double[(int) groups];
                for (int k = 0; k < v.length; k++) {
                    if (v[k] != v[k - k % per]) {
                        throw fail(n, "'" + n.input(idx).name() + "' differs within a group, which the per-group"
                                + " scale and bias before opset 21 cannot express");
                    }
                    w[k / per] = v[k];
                }
            }
            rw.setInput(n, i, constant(n.graph(), n.input(i).name() + "_" + (up(21) ? "per_channel" : "per_group"),
                    Tensor.of(t.dataType(), new long[] {w.length}, w)));
        }
    }

    /** DFT 20 moved axis from an attribute (default 1) to an input (default -2). */
    private void dft(Node n) {
        if (up(20)) {
            long axis = n.attrInt("axis", 1);
            rw.removeAttr(n, "axis");
            rw.setInput(n, 2, constant(n.graph(), n.label() + "_axis", Tensor.ofLongs(new long[0], axis)));
        } else if (down(20)) {
            long axis = n.hasInput(2) ? constInts(n, 2, "axis")[0] : -2;
            if (axis < 0) {
                axis += rank(n.input(0)).orElseThrow(() -> fail(n, "axis " + (n.hasInput(2) ? "" : "(default -2) ")
                        + "counts from the back and the rank of '" + n.input(0).name() + "' is unknown"));
            }
            rw.setAttr(n, "axis", Attr.of(axis));
            List<Value> ins = new ArrayList<>(n.inputs());
            if (ins.size() > 2) {
                ins.set(2, Value.none());
            }
            rw.setInputs(n, trim(ins));
        }
    }

    /** Max, Min, Mean and Sum broadcast their inputs from opset 8 on; before, the shapes must be the same. */
    private void sameShapes(Node n) {
        long[] first = null;
        for (Value v : n.inputs()) {
            long[] d = dimsOf(v).orElseThrow(() -> fail(n, "the inputs broadcast only from opset 8 on and the shape"
                    + " of '" + v.name() + "' is unknown"));
            if (first == null) {
                first = d;
            } else if (!Arrays.equals(first, d)) {
                throw fail(n, "inputs of shapes " + Arrays.toString(first) + " and " + Arrays.toString(d)
                        + " broadcast, which this op does only from opset 8 on");
            }
        }
    }

    // ---------------------------------------------------------------- attributes newer than the target

    private void requireDefault(Node n, String attr, String dflt) {
        Optional<Attr> a = n.attr(attr);
        if (a.isEmpty()) {
            return;
        }
        if (!holds(a.get(), dflt)) {
            throw fail(n, "attribute " + attr + "=" + a.get() + " has no equivalent at opset " + to);
        }
        rw.removeAttr(n, attr);
    }

    private static boolean holds(Attr a, String dflt) {
        return switch (a.kind()) {
            case INT -> dflt.matches("-?\\d+") && a.i() == Long.parseLong(dflt);
            case FLOAT -> dflt.matches("-?[\\d.]+") && a.f() == Float.parseFloat(dflt);
            case STRING -> a.s().equals(dflt);
            case INTS -> dflt.equals("1s") && Arrays.stream(a.ints()).allMatch(v -> v == 1);
            default -> false;
        };
    }

    private void droppedAttributes(Node n) {
        for (OpsetVersions.TypeSince ts : OpsetVersions.TYPES_SINCE) {
            if (ts.op().equals(n.opType()) && to < ts.since()) {
                for (Value v : List.of(n.inputs().isEmpty() ? Value.none() : n.input(0),
                        n.outputs().isEmpty() ? Value.none() : n.output(0))) {
                    Optional<DataType> t = v.isNone() ? Optional.empty() : types.of(v);
                    if (t.isPresent() && ts.types().contains(t.get())) {
                        throw fail(n, n.opType() + " takes " + t.get().name().toLowerCase(java.util.Locale.ROOT)
                                + " only from opset " + ts.since());
                    }
                }
            }
        }
        for (OpsetVersions.AddedAttr added : OpsetVersions.ADDED_ATTRS) {
            if (added.op().equals(n.opType()) && to < added.since() && n.attr(added.attr()).isPresent()) {
                requireDefault(n, added.attr(), added.dflt());
            }
        }
        if (n.is("MaxPool") && to < 8 && n.outputs().size() > 1 && !n.output(1).isNone()
                && !n.output(1).uses().isEmpty()) {
            throw fail(n, "the Indices output does not exist before opset 8");
        }
        if (n.is("Shape") && to < 15 && n.attr("end").isPresent()) {
            throw fail(n, "attribute end has no equivalent before opset 15");
        }
        if (n.is("Split") && to < 18 && n.attr("num_outputs").isPresent()) {
            rw.removeAttr(n, "num_outputs");
        }
    }
}
