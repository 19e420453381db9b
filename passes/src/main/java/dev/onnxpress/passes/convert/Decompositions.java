package dev.onnxpress.passes.convert;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Activation ops written with older, universally supported default-domain ops, for runtimes or opsets
 * that lack them:
 * <ul>
 *   <li>Gelu: 0.5·x·(1 + Erf(x/√2)); approximate="tanh": 0.5·x·(1 + Tanh(√(2/π)·(x + 0.044715·x³)))
 *       (Erf needs opset 9)</li>
 *   <li>HardSwish: x·HardSigmoid(x; α=1/6, β=0.5)</li>
 *   <li>Mish: x·Tanh(Softplus(x))</li>
 *   <li>QuickGelu (com.microsoft), Swish: x·Sigmoid(α·x)</li>
 *   <li>Celu: α·Elu(x/α)</li>
 * </ul>
 * The node's output value keeps its name (it may be a graph output).
 */
public final class Decompositions {
    private Decompositions() {
    }

    /** Replaces {@code n} by its decomposition at {@code opset}; empty when there is none. */
    public static Optional<Value> expand(Rewriter rw, Node n, long opset, DataType dt) {
        Graph g = n.graph();
        Value x = n.input(0);
        String h = n.label();
        Value out;
        switch (n.opType()) {
            case "Gelu", "FastGelu", "BiasGelu" -> {
                if (n.opType().equals("BiasGelu") || n.opType().equals("FastGelu") && n.hasInput(1)) {
                    x = rw.add(g, "Add", h + "_bias", List.of(x, n.input(1)), Map.of());
                }
                boolean tanh = n.opType().equals("FastGelu") || n.attrString("approximate", "none").equals("tanh");
                Value inner;
                if (tanh) {
                    Value x3 = rw.add(g, "Mul", h + "_x2", List.of(x, x), Map.of());
                    x3 = rw.add(g, "Mul", h + "_x3", List.of(x3, x), Map.of());
                    Value t = rw.add(g, "Mul", h + "_cx3", List.of(x3, scalar(rw, g, h + "_c", 0.044715, dt)), Map.of());
                    t = rw.add(g, "Add", h + "_sum", List.of(x, t), Map.of());
                    t = rw.add(g, "Mul", h + "_scaled", List.of(t, scalar(rw, g, h + "_k", Math.sqrt(2 / Math.PI), dt)), Map.of());
                    inner = rw.add(g, "Tanh", h + "_tanh", List.of(t), Map.of());
                } else {
                    if (opset < 9) {
                        return Optional.empty();
                    }
                    Value t = rw.add(g, "Div", h + "_div", List.of(x, scalar(rw, g, h + "_sqrt2", Math.sqrt(2), dt)), Map.of());
                    inner = rw.add(g, "Erf", h + "_erf", List.of(t), Map.of());
                }
                Value one = rw.add(g, "Add", h + "_one_plus", List.of(inner, scalar(rw, g, h + "_one", 1, dt)), Map.of());
                Value half = rw.add(g, "Mul", h + "_half_x", List.of(x, scalar(rw, g, h + "_half", 0.5, dt)), Map.of());
                out = rw.add(g, "Mul", h + "_gelu", List.of(half, one), Map.of());
            }
            case "HardSwish" -> {
                Value s = rw.add(g, "HardSigmoid", h + "_hsig", List.of(x),
                        Map.of("alpha", Attr.of(1f / 6), "beta", Attr.of(0.5f)));
                out = rw.add(g, "Mul", h + "_hswish", List.of(x, s), Map.of());
            }
            case "Mish" -> {
                Value sp = rw.add(g, "Softplus", h + "_softplus", List.of(x), Map.of());
                Value t = rw.add(g, "Tanh", h + "_tanh", List.of(sp), Map.of());
                out = rw.add(g, "Mul", h + "_mish", List.of(x, t), Map.of());
            }
            case "Swish" -> {
                Value ax = rw.add(g, "Mul", h + "_ax", List.of(x, scalar(rw, g, h + "_alpha",
                        n.attrFloat("alpha", 1f), dt)), Map.of());
                Value s = rw.add(g, "Sigmoid", h + "_sig", List.of(ax), Map.of());
                out = rw.add(g, "Mul", h + "_swish", List.of(x, s), Map.of());
            }
            case "Celu" -> {
                double alpha = n.attrFloat("alpha", 1f);
                Value scaled = rw.add(g, "Div", h + "_div", List.of(x, scalar(rw, g, h + "_alpha", alpha, dt)), Map.of());
                Value elu = rw.add(g, "Elu", h + "_elu", List.of(scaled), Map.of("alpha", Attr.of(1f)));
                out = rw.add(g, "Mul", h + "_celu", List.of(elu, scalar(rw, g, h + "_alpha_out", alpha, dt)), Map.of());
            }
            case "QuickGelu" -> {
                Value ax = rw.add(g, "Mul", h + "_ax", List.of(x, scalar(rw, g, h + "_alpha",
                        n.attrFloat("alpha", 1.702f), dt)), Map.of());
                Value s = rw.add(g, "Sigmoid", h + "_sig", List.of(ax), Map.of());
                out = rw.add(g, "Mul", h + "_qgelu", List.of(x, s), Map.of());
            }
            default -> {
                return Optional.empty();
            }
        }
        takeOver(rw, n, out);
        return Optional.of(out);
    }

    /** {@code out} replaces {@code n}'s only output (readers and name); {@code n} is removed. */
    public static void takeOver(Rewriter rw, Node n, Value out) {
        Value old = n.output();
        String name = old.name();
        Optional<ValueType> type = old.type();
        rw.replaceAllUses(old, out);
        rw.removeNode(n);
        rw.rename(old, rw.uniqueName(name + "_replaced"));
        rw.rename(out, name);
        type.ifPresent(t -> rw.setType(out, t));
    }

    /** A scalar constant of the given float type, as an initializer of {@code g}. */
    public static Value scalar(Rewriter rw, Graph g, String hint, double v, DataType dt) {
        return rw.addInitializer(g, hint, Tensor.of(dt.isFloatingPoint() ? dt : DataType.FLOAT, new long[0],
                new double[] {v}));
    }
}
