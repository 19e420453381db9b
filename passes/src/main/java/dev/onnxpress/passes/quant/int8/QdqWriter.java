package dev.onnxpress.passes.quant.int8;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.passes.quant.ActivationRange;
import dev.onnxpress.passes.quant.AxisChannels;
import dev.onnxpress.passes.quant.DequantizedConstant;
import dev.onnxpress.passes.quant.OpsetRaise;
import dev.onnxpress.passes.core.WeightedLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes the QDQ form ONNX Runtime's own quantizer emits, for a chosen set of {@link QdqPlan} units:
 * <pre>
 *   x → QuantizeLinear(s, zp) → DequantizeLinear(s, zp) → Conv ← DequantizeLinear(W int8, s_w[Cout], 0, axis 0)
 *                                                              ← DequantizeLinear(b int32, s·s_w[Cout], 0, axis 0)
 *     → QuantizeLinear(s_y, zp_y) → DequantizeLinear → …
 * </pre>
 * so that ORT fuses each DQ → op → Q group into an integer kernel (QLinearConv, QGemm, QLinearAdd…).
 * Activations: uint8 with s = (max − min)/255, zp = round(−min/s) (the range always holds 0), or int8
 * symmetric s = max|x|/127, zp = 0. Weights: int8 symmetric, s_w = max|w|/127 per output channel (or per
 * layer). Bias (Conv; Gemm with alpha = beta = 1 and a 1-D bias; ConvTranspose with group 1): int32 with
 * scale s_in·s_w and zero point 0, the layout the integer kernels accumulate in.
 * One Q/DQ pair per tensor; every reader of the tensor reads the DQ output (so the producer's output is
 * read by the Q alone, as fusion requires). Float weights are deleted.
 */
final class QdqWriter {
    /** What was written. */
    record Written(int units, int tensors, int activationsFolded, long weightBytesBefore, long weightBytesAfter) {
    }

    private record Params(float scale, int zeroPoint) {
    }

    private QdqWriter() {
    }

    static Written apply(Model model, java.util.function.Predicate<Node> selected, Set<Integer> chosenUnits,
            Map<String, ActivationRange> ranges, boolean perChannel, boolean symmetric) {
        Graph g = model.graph();
        QdqPlan plan = QdqPlan.of(g, selected);
        List<QdqPlan.Unit> chosen = plan.units().stream().filter(u -> chosenUnits.contains(u.index())).toList();
        if (chosen.isEmpty()) {
            return new Written(0, 0, 0, 0, 0);
        }
        Rewriter rw = new Rewriter(model);
        if (model.defaultOpset() < (perChannel ? 13 : 10)) {
            OpsetRaise.raise(model, rw, 13);
        }
        Set<Value> tensors = QdqPlan.tensors(chosen);
        Map<Value, Value> parent = new LinkedHashMap<>();
        Map<Value, ActivationRange> own = new LinkedHashMap<>();
        List<QdqPlan.Activation> acts = shareScales(chosen, tensors, ranges, parent, own);
        Map<Value, ActivationRange> groupRange = new LinkedHashMap<>();
        for (Value v : own.keySet()) {
            groupRange.merge(find(parent, v), own.get(v), ActivationRange::union);
        }
        Map<Value, Params> params = new LinkedHashMap<>();
        for (Value v : own.keySet()) {
            params.put(v, params(groupRange.get(find(parent, v)), symmetric));
        }
        int folded = 0;
        for (QdqPlan.Activation a : acts) {
            Params p = params.get(a.in());
            if (!symmetric && p.zeroPoint() == 0 && a.clipMax() >= p.scale() * 255.0) {
                // Q(x) with zero point 0 already clips at 0 (and at s·255 ≤ clip max): the node is redundant
                rw.replaceAllUses(a.out(), a.in());
                rw.removeNode(a.node());
                params.remove(a.out());
                folded++;
            }
        }
        ConstantEditor editor = new ConstantEditor(rw);
        int written = insertQdq(g, rw, editor, params, parent, symmetric);
        long[] beforeAfter = quantizeWeights(chosen, params, perChannel, new DequantizedConstant(editor));
        long before = beforeAfter[0];
        long after = beforeAfter[1];
        return new Written(chosen.size(), written, folded, before, after);
    }

    /**
     * Fills {@code own} with the range of each tensor to quantize (an activation foldable into the unit before
     * it gives its output range to its input) and joins in {@code parent} the tensors that must share one
     * scale (a foldable activation's two sides; the inputs and output of a shared-scale op or Concat).
     * Returns the foldable activations.
     */
    private static List<QdqPlan.Activation> shareScales(List<QdqPlan.Unit> chosen, Set<Value> tensors,
            Map<String, ActivationRange> ranges, Map<Value, Value> parent, Map<Value, ActivationRange> own) {
        for (Value v : tensors) {
            Optional.ofNullable(ranges.get(v.name())).ifPresent(r -> own.put(v, r));
        }
        List<QdqPlan.Activation> acts = new ArrayList<>();
        for (QdqPlan.Unit u : chosen) {
            Optional<QdqPlan.Activation> a = QdqPlan.foldableActivation(u);
            ActivationRange after = a.map(x -> ranges.get(x.out().name())).orElse(null);
            if (a.isPresent() && after != null && own.containsKey(a.get().in())) {
                acts.add(a.get());
                own.put(a.get().in(), after); // the activation's output range is what the unit must produce
                if (tensors.contains(a.get().out())) {
                    union(parent, a.get().in(), a.get().out());
                }
            }
            Node n = u.node();
            if (QdqPlan.SHARED_SCALE.contains(n.opType()) || n.is("Concat")) {
                Value y = n.output();
                for (int k : u.dataInputs()) {
                    Value x = n.input(k);
                    if (own.containsKey(x) && own.containsKey(y)) {
                        union(parent, x, y);
                    }
                }
            }
        }
        return acts;
    }

    /** A QuantizeLinear/DequantizeLinear pair after each tensor still present, one scale per group. */
    private static int insertQdq(Graph g, Rewriter rw, ConstantEditor editor, Map<Value, Params> params,
            Map<Value, Value> parent, boolean symmetric) {
        Map<Value, Value[]> groupConstants = new LinkedHashMap<>();
        int written = 0;
        for (Value v : new LinkedHashSet<>(params.keySet())) {
            if (v.producer().isEmpty() && !v.isGraphInput()) {
                continue; // folded away
            }
            Params p = params.get(v);
            Value[] sz = groupConstants.computeIfAbsent(find(parent, v), root -> new Value[] {
                    editor.newConstant(g, v.name() + "_scale", Tensor.scalarFloat(p.scale())),
                    editor.newConstant(g, v.name() + "_zero_point", symmetric
                            ? Tensor.ofBytes(DataType.INT8, new long[0], (byte) p.zeroPoint())
                            : Tensor.ofBytes(DataType.UINT8, new long[0], (byte) p.zeroPoint()))});
            List<Value.Use> uses = List.copyOf(v.uses());
            Value q = rw.add(g, "QuantizeLinear", v.name() + "_quantize", List.of(v, sz[0], sz[1]), Map.of());
            Value dq = rw.add(g, "DequantizeLinear", v.name() + "_dequantize", List.of(q, sz[0], sz[1]), Map.of());
            for (Value.Use use : uses) {
                rw.setInput(use.node(), use.inputIndex(), dq);
            }
            written++;
        }
        return written;
    }

    /** Each unit's weight to int8 and its bias to int32; returns {float bytes before, bytes after}. */
    private static long[] quantizeWeights(List<QdqPlan.Unit> chosen, Map<Value, Params> params, boolean perChannel,
            DequantizedConstant dqc) {
        long before = 0;
        long after = 0;
        for (QdqPlan.Unit u : chosen) {
            if (u.weight().isEmpty()) {
                continue;
            }
            WeightedLayer l = u.weight().get();
            float[] ws = quantizeWeight(l, perChannel, dqc);
            before += l.tensor().byteSize();
            after += l.tensor().elementCount();
            Params in = params.get(readTensor(l.node().input(0)));
            if (in != null) {
                long bias = quantizeBias(l, in.scale(), ws, dqc);
                before += bias;
                after += bias; // int32 replaces float32
            }
        }
        return new long[] {before, after};
    }

    /** The tensor a node input was before its DQ was inserted (the Q's input). */
    private static Value readTensor(Value v) {
        Node dq = v.producer().orElse(null);
        if (dq != null && dq.is("DequantizeLinear")) {
            Node q = dq.input(0).producer().orElse(null);
            if (q != null && q.is("QuantizeLinear")) {
                return q.input(0);
            }
        }
        return v;
    }

    private static Params params(ActivationRange r, boolean symmetric) {
        double lo = Math.min(0, r.min());
        double hi = Math.max(0, r.max());
        if (symmetric) {
            double a = Math.max(-lo, hi);
            return new Params(a > 0 ? (float) (a / 127) : 1f, 0);
        }
        if (hi - lo <= 0) {
            return new Params(1f, 0);
        }
        float s = (float) ((hi - lo) / 255);
        int zp = (int) Math.max(0, Math.min(255, Math.round(-lo / s)));
        return new Params(s, zp);
    }

    /** int8 symmetric weight + DequantizeLinear; returns the weight scales. */
    private static float[] quantizeWeight(WeightedLayer l, boolean perChannel, DequantizedConstant dqc) {
        float[] w = l.tensor().toFloatArray();
        AxisChannels lay = perChannel ? AxisChannels.of(l.tensor().dims(), l.axis()) : AxisChannels.whole();
        float[] maxAbs = new float[lay.channels()];
        for (int i = 0; i < w.length; i++) {
            int c = lay.channelOf(i);
            maxAbs[c] = Math.max(maxAbs[c], Math.abs(w[i]));
        }
        float[] scale = new float[maxAbs.length];
        for (int c = 0; c < scale.length; c++) {
            scale[c] = maxAbs[c] > 0 ? maxAbs[c] / 127f : 1f;
        }
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            q[i] = (byte) Math.max(-127, Math.min(127, Math.round(w[i] / scale[lay.channelOf(i)])));
        }
        String hint = l.weight().name().isEmpty() ? l.node().name() + "_weight" : l.weight().name();
        dqc.replace(l.node(), l.weightInput(), Tensor.ofBytes(DataType.INT8, l.tensor().dims(), q), scale, l.axis(),
                hint);
        return scale;
    }

    /** int32 bias with scale s_in·s_w where the layer's kernel expects it; returns the float bytes replaced. */
    private static long quantizeBias(WeightedLayer l, float inScale, float[] wScale, DequantizedConstant dqc) {
        Node n = l.node();
        if (!n.hasInput(2)) {
            return 0;
        }
        Tensor b = n.graph().constantValue(n.input(2)).orElse(null);
        if (b == null || b.dataType() != DataType.FLOAT || b.rank() != 1) {
            return 0;
        }
        if (n.is("Gemm") && (n.attrFloat("alpha", 1f) != 1f || n.attrFloat("beta", 1f) != 1f)) {
            return 0;
        }
        if (n.is("ConvTranspose") && n.attrInt("group", 1) != 1) {
            return 0;
        }
        if (n.is("MatMul") || (wScale.length > 1 && b.dim(0) != wScale.length)) {
            return 0;
        }
        float[] bias = b.toFloatArray();
        float[] s = new float[wScale.length];
        for (int c = 0; c < s.length; c++) {
            s[c] = inScale * wScale[c];
        }
        int[] q = new int[bias.length];
        for (int i = 0; i < bias.length; i++) {
            float sc = s[s.length == 1 ? 0 : i];
            q[i] = (int) Math.max(Integer.MIN_VALUE + 1L, Math.min(Integer.MAX_VALUE, Math.round((double) bias[i] / sc)));
        }
        String hint = n.input(2).name().isEmpty() ? n.name() + "_bias" : n.input(2).name();
        dqc.replace(n, 2, Tensor.ofInts(b.dims(), q), s, 0, hint);
        return b.byteSize();
    }

    private static Value find(Map<Value, Value> parent, Value v) {
        Value p = parent.getOrDefault(v, v);
        if (p == v) {
            return v;
        }
        Value root = find(parent, p);
        parent.put(v, root);
        return root;
    }

    private static void union(Map<Value, Value> parent, Value a, Value b) {
        Value ra = find(parent, a);
        Value rb = find(parent, b);
        if (ra != rb) {
            parent.put(ra, rb);
        }
    }
}
