package dev.onnxpress.passes.quant.int8;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.core.ElementTypes;
import dev.onnxpress.passes.core.WeightedLayer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which nodes of a graph {@code quantize_int8} can quantize ("units"), which activation tensors each one
 * reads and writes, and which tensors must share one scale:
 * <ul>
 *   <li>Conv, ConvTranspose, Gemm, MatMul: data input(s) and output; a constant weight is quantized
 *       per output channel.</li>
 *   <li>Add: both inputs (activations) and the output, each with its own scale.</li>
 *   <li>MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, Flatten, Reshape, Transpose, Squeeze,
 *       Unsqueeze: input and output share one scale (an average or a move never leaves the input's
 *       range, so the runtime need not requantize).</li>
 *   <li>Concat: all inputs and the output share one scale.</li>
 *   <li>A Relu (or a Clip from 0) right after a unit's output is folded into that output's range: with
 *       a uint8 zero point of 0 the quantizer itself clips at 0, so the activation node goes away.</li>
 * </ul>
 * Units are identified by their index in the graph's topological node list, so a plan made on a model
 * applies to its copies.
 */
final class QdqPlan {
    static final Set<String> WEIGHTED = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");
    static final Set<String> SHARED_SCALE = Set.of("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
            "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze");

    /** One quantizable node: its index, activation inputs (by index) and the activation it writes. */
    record Unit(int index, Node node, List<Integer> dataInputs, Optional<WeightedLayer> weight) {
    }

    /** A Relu/Clip after a unit: folding it makes {@code in} carry {@code out}'s range. */
    record Activation(Node node, Value in, Value out, double clipMax) {
    }

    private final List<Node> nodes;
    private final List<Unit> units;
    private final Map<String, String> skips;

    private QdqPlan(List<Node> nodes, List<Unit> units, Map<String, String> skips) {
        this.nodes = nodes;
        this.units = units;
        this.skips = skips;
    }

    static QdqPlan of(Graph g, java.util.function.Predicate<Node> selected) {
        List<Node> nodes = g.nodes();
        List<Unit> units = new ArrayList<>();
        Map<String, String> skips = new LinkedHashMap<>();
        ElementTypes types = ElementTypes.of(g);
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (!n.isStandard() || !(WEIGHTED.contains(n.opType()) || SHARED_SCALE.contains(n.opType())
                    || n.is("Add") || n.is("Concat"))) {
                continue;
            }
            if (!selected.test(n)) {
                continue;
            }
            String why = unitProblem(g, n);
            if (why.isEmpty()) {
                why = notFloat32(g, n, types);
            }
            if (!why.isEmpty()) {
                skips.put(n.label(), why);
                continue;
            }
            List<Integer> data = new ArrayList<>();
            Optional<WeightedLayer> w = Optional.empty();
            if (WEIGHTED.contains(n.opType())) {
                data.add(0);
                w = WeightedLayer.of(n);
                if (w.isEmpty()) {
                    data.add(1); // activation × activation (MatMul/Gemm): both sides per tensor
                }
            } else if (n.is("Add") || n.is("Concat")) {
                for (int k = 0; k < n.inputCount(); k++) {
                    data.add(k);
                }
            } else {
                data.add(0);
            }
            units.add(new Unit(i, n, List.copyOf(data), w));
        }
        return new QdqPlan(nodes, List.copyOf(units), skips);
    }

    /**
     * QuantizeLinear and DequantizeLinear before opset 19 take and give float32 only, and the scales this pass
     * writes are float32: a unit whose activations are of another type (a model already in float16) is left.
     */
    private static String notFloat32(Graph g, Node n, ElementTypes types) {
        List<Value> activations = new ArrayList<>();
        if (SHARED_SCALE.contains(n.opType())) {
            activations.add(n.input(0));
        } else {
            for (Value v : n.inputs()) {
                if (!v.isNone() && !g.isConstant(v)) {
                    activations.add(v);
                }
            }
        }
        activations.add(n.output(0));
        for (Value v : activations) {
            Optional<DataType> t = types.of(v);
            if (t.isPresent() && t.get() != DataType.FLOAT) {
                return "activation '" + v.name() + "' is " + t.get().displayName() + "; int8 QDQ quantizes float32"
                        + " tensors (run quantize_int8 before convert_fp16)";
            }
        }
        return "";
    }

    private static String unitProblem(Graph g, Node n) {
        if (n.outputs().size() != 1 && !(n.is("MaxPool") && n.outputs().size() == 2 && n.output(1).isNone())) {
            return n.opType() + " with " + n.outputs().size() + " outputs";
        }
        if (WEIGHTED.contains(n.opType())) {
            Optional<Tensor> w = g.constantValue(n.input(1));
            if (n.hasInput(1) && n.input(1).isInitializer() && n.input(1).isGraphInput()) {
                return WeightedLayer.whyNot(n).orElseThrow();
            }
            if (g.isConstant(n.input(0))) {
                return "its data input is a constant";
            }
            if (w.isPresent() && WeightedLayer.of(n).isEmpty()) {
                return "weight is not a float tensor of the expected rank";
            }
            if (w.isPresent() && w.get().dataType() != dev.onnxpress.ir.DataType.FLOAT) {
                return "weight is " + w.get().dataType().displayName() + "; DequantizeLinear restores float32 only";
            }
            if (n.is("Gemm") && n.attrInt("transA", 0) != 0 && w.isEmpty()) {
                return "Gemm with transA and two activations";
            }
            return "";
        }
        if (n.is("Add") || n.is("Concat")) {
            for (Value v : n.inputs()) {
                if (g.isConstant(v)) {
                    return "one of its inputs ('" + v.name() + "') is a constant";
                }
            }
        }
        return "";
    }

    List<Unit> units() {
        return units;
    }

    List<Node> nodes() {
        return nodes;
    }

    /** Nodes the plan declined, with the reason. */
    Map<String, String> skips() {
        return skips;
    }

    /** Activation tensors a set of units reads or writes (graph outputs excluded), in a stable order. */
    static Set<Value> tensors(List<Unit> chosen) {
        Set<Value> out = new LinkedHashSet<>();
        for (Unit u : chosen) {
            for (int k : u.dataInputs()) {
                Value v = u.node().input(k);
                if (!v.isNone() && !v.isGraphOutput()) {
                    out.add(v);
                }
            }
            Value y = u.node().output();
            if (!y.isGraphOutput()) {
                out.add(y);
            }
        }
        return out;
    }

    /** The Relu/Clip that follows a unit's output and could fold into it. */
    static Optional<Activation> foldableActivation(Unit u) {
        Value x = u.node().output();
        if (x.isGraphOutput() || x.uses().size() != 1) {
            return Optional.empty();
        }
        Node a = x.uses().get(0).node();
        if (a.graph() != u.node().graph() || a.output().isGraphOutput()) {
            return Optional.empty();
        }
        if (a.is("Relu")) {
            return Optional.of(new Activation(a, x, a.output(), Double.POSITIVE_INFINITY));
        }
        if (a.is("Clip")) {
            Graph g = a.graph();
            double lo;
            double hi;
            if (a.attr("min").isPresent() || a.attr("max").isPresent() || a.inputCount() == 1) {
                lo = a.attrFloat("min", Float.NEGATIVE_INFINITY);
                hi = a.attrFloat("max", Float.POSITIVE_INFINITY);
            } else {
                lo = a.hasInput(1) ? scalar(g, a.input(1)).orElse(Double.NaN) : Double.NEGATIVE_INFINITY;
                hi = a.hasInput(2) ? scalar(g, a.input(2)).orElse(Double.NaN) : Double.POSITIVE_INFINITY;
            }
            if (lo == 0 && hi > 0) {
                return Optional.of(new Activation(a, x, a.output(), hi));
            }
        }
        return Optional.empty();
    }

    private static Optional<Double> scalar(Graph g, Value v) {
        return g.constantValue(v).filter(t -> t.elementCount() == 1).map(t -> t.toDoubleArray()[0]);
    }
}
