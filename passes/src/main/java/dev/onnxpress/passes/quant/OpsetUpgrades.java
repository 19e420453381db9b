package dev.onnxpress.passes.quant;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.core.ConstantEditor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rewrites the operators whose attributes became inputs between opsets 9 and 13, so a model can move to
 * opset 13 unchanged in meaning:
 * <ul>
 *   <li>Clip (11): attributes min/max → optional float inputs (defaults ±∞ stay omitted).</li>
 *   <li>Slice (10): attributes starts/ends/axes → int64 inputs.</li>
 *   <li>Dropout (12): attribute ratio → input; inference ignores it anyway.</li>
 *   <li>Squeeze, Unsqueeze, ReduceSum, Split (13): attributes axes / split → int64 inputs.</li>
 *   <li>Softmax, LogSoftmax, Hardmax (13: per-axis instead of "flatten to 2-D at axis"): kept when the
 *       axis is known to be the last one, else spelled out as Flatten(axis) → op(axis=−1) → Reshape(Shape(x)).</li>
 * </ul>
 * Everything else that changed (Pad, Resize, Slice, TopK, Upsample, BatchNormalization before 9…) is
 * left to a real converter.
 */
final class OpsetUpgrades {
    static final String NOT_UPGRADABLE = "not upgradable";

    private OpsetUpgrades() {
    }

    /** Empty when {@link #upgrade} handles the node; else why not. */
    static Optional<String> problem(Node n, boolean constantInput) {
        switch (n.opType()) {
            case "Clip", "Dropout", "Squeeze", "Unsqueeze", "ReduceSum", "Split", "Slice":
                return Optional.empty();
            case "Softmax", "LogSoftmax", "Hardmax": {
                return Optional.empty();
            }
            default:
                return Optional.of(NOT_UPGRADABLE);
        }
    }

    static void upgrade(Node n, Rewriter rw, long fromOpset) {
        Graph g = n.graph();
        switch (n.opType()) {
            case "Clip" -> {
                if (fromOpset >= 11) {
                    return;
                }
                List<Value> ins = new ArrayList<>(List.of(n.input(0)));
                Optional<Attr> min = n.attr("min");
                Optional<Attr> max = n.attr("max");
                ins.add(min.map(a -> constant(rw, g, n, "min", Tensor.scalarFloat(a.f()))).orElse(Value.none()));
                ins.add(max.map(a -> constant(rw, g, n, "max", Tensor.scalarFloat(a.f()))).orElse(Value.none()));
                rw.removeAttr(n, "min");
                rw.removeAttr(n, "max");
                while (ins.size() > 1 && ins.get(ins.size() - 1).isNone()) {
                    ins.remove(ins.size() - 1);
                }
                rw.setInputs(n, ins);
            }
            case "Dropout" -> {
                if (n.attr("ratio").isPresent()) {
                    Value r = constant(rw, g, n, "ratio", Tensor.scalarFloat(n.attr("ratio").get().f()));
                    rw.removeAttr(n, "ratio");
                    rw.setInputs(n, List.of(n.input(0), r));
                }
                rw.removeAttr(n, "is_test");
            }
            case "Squeeze", "Unsqueeze", "ReduceSum" -> moveInts(rw, g, n, "axes", 1);
            case "Split" -> moveInts(rw, g, n, "split", 1);
            case "Slice" -> {
                if (fromOpset >= 10) {
                    return;
                }
                List<Value> ins = new ArrayList<>(List.of(n.input(0)));
                for (String a : List.of("starts", "ends", "axes")) {
                    if (n.attr(a).isPresent()) {
                        long[] v = n.attr(a).get().ints();
                        ins.add(constant(rw, g, n, a, Tensor.ofLongs(new long[] {v.length}, v)));
                        rw.removeAttr(n, a);
                    }
                }
                rw.setInputs(n, ins);
            }
            case "Softmax", "LogSoftmax", "Hardmax" -> {
                long axis = n.attrInt("axis", 1);
                int rank = n.input(0).tensorType().flatMap(t -> t.rank()).orElse(-1);
                if (rank >= 0 && (axis == -1 || axis == rank - 1)) {
                    return; // over the last axis both definitions agree
                }
                // old meaning, spelled in opset 13: flatten to 2-D at axis, normalize rows, restore the shape
                String hint = n.name().isEmpty() ? n.opType() : n.name();
                Value x = n.input(0);
                Value flat = rw.add(g, "Flatten", hint + "_flatten", List.of(x), Map.of("axis", Attr.of(axis)));
                Value shape = rw.add(g, "Shape", hint + "_shape", List.of(x), Map.of());
                Value y = rw.add(g, n.opType(), hint + "_2d", List.of(flat), Map.of("axis", Attr.of(-1L)));
                Value r = rw.add(g, "Reshape", hint + "_reshape", List.of(y, shape), Map.of());
                new ConstantEditor(rw).replaceNode(n, r, List.of());
            }
            default -> {
            }
        }
    }

    private static void moveInts(Rewriter rw, Graph g, Node n, String attr, int index) {
        Optional<Attr> a = n.attr(attr);
        if (a.isEmpty()) {
            return;
        }
        long[] v = a.get().ints();
        Value c = constant(rw, g, n, attr, Tensor.ofLongs(new long[] {v.length}, v));
        rw.removeAttr(n, attr);
        List<Value> ins = new ArrayList<>(n.inputs());
        while (ins.size() < index) {
            ins.add(Value.none());
        }
        ins.add(index, c);
        rw.setInputs(n, ins);
    }

    private static Value constant(Rewriter rw, Graph g, Node n, String what, Tensor t) {
        String hint = (n.name().isEmpty() ? n.opType() : n.name()) + "_" + what;
        if (g.parent().isEmpty()) {
            return rw.addInitializer(g, hint, t);
        }
        return rw.add(g, "Constant", hint, List.of(), Map.of("value", Attr.of(t)));
    }
}
