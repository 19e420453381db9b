package dev.onnxpress.passes.quant;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Raises the default-domain opset of a model (per-axis DequantizeLinear needs opset 13), but only when
 * every operator in the model means the same under the new opset. An operator is safe when ONNX
 * released no version of it between the old and the new opset that changes its inputs, attributes or
 * semantics (a new version that only widens the accepted types, e.g. bfloat16 in opset 13, is safe).
 * Operators not known here, and any {@code If}/{@code Loop}/{@code Scan}, make the raise unsafe. A few
 * operators whose attributes became inputs are rewritten into the new form ({@link OpsetUpgrades}).
 */
public final class OpsetRaise {
    /** op → the opset that changed its signature or meaning (only changes up to opset 13 matter here). */
    private static final Map<String, Integer> BREAKING = Map.ofEntries(
            Map.entry("BatchNormalization", 9), // 'spatial' removed
            Map.entry("Upsample", 10), Map.entry("Slice", 10), Map.entry("TopK", 10),
            Map.entry("Clip", 11), Map.entry("Pad", 11), Map.entry("Resize", 11), Map.entry("Scatter", 11),
            Map.entry("Dropout", 12),
            Map.entry("Split", 13), Map.entry("Squeeze", 13), Map.entry("Unsqueeze", 13),
            Map.entry("ReduceSum", 13), Map.entry("Softmax", 13), Map.entry("LogSoftmax", 13),
            Map.entry("Hardmax", 13));

    /** Operators whose versions up to opset 13 keep their inputs, attributes and meaning. */
    private static final Set<String> STABLE = Set.of(
            "Abs", "Acos", "Add", "And", "ArgMax", "ArgMin", "Asin", "Atan", "AveragePool", "Cast", "Ceil",
            "Concat", "Constant", "ConstantOfShape", "Conv", "ConvTranspose", "Cos", "CumSum", "DepthToSpace",
            "DequantizeLinear", "Div", "Einsum", "Elu", "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor",
            "Gather", "GatherElements", "GatherND", "Gemm", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool",
            "Greater", "HardSigmoid", "Identity", "InstanceNormalization", "IsInf", "IsNaN", "LRN", "LeakyRelu",
            "Less", "Log", "LpNormalization", "MatMul", "MatMulInteger", "Max", "MaxPool", "Mean", "Min", "Mod",
            "Mul", "Neg", "NonMaxSuppression", "NonZero", "Not", "OneHot", "Or", "PRelu", "Pow",
            "QuantizeLinear", "QLinearConv", "QLinearMatMul", "Range", "Reciprocal", "ReduceL1", "ReduceL2",
            "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSumSquare",
            "Relu", "Reshape", "Round", "ScatterElements", "ScatterND", "Selu", "Shape", "Sigmoid", "Sign",
            "Sin", "Size", "Softplus", "Softsign", "SpaceToDepth", "Sqrt", "Sub", "Sum", "Tan", "Tanh", "Tile",
            "Transpose", "Where", "Xor");

    private OpsetRaise() {
    }

    /** Empty when the model can move to {@code target}, else why not (naming the operator). */
    public static Optional<String> blocker(Model model, long target) {
        long from = model.defaultOpset();
        if (from >= target) {
            return Optional.empty();
        }
        for (Node n : model.graph().allNodes()) {
            if (!n.isStandard()) {
                continue;
            }
            String op = n.opType();
            Integer breaking = BREAKING.get(op);
            if (breaking != null && breaking > from && breaking <= target) {
                Optional<String> why = OpsetUpgrades.problem(n, model.graph().constantValue(n.input(0)).isPresent());
                if (why.isEmpty()) {
                    continue; // rewritten into its new signature by raise()
                }
                if (!why.get().equals(OpsetUpgrades.NOT_UPGRADABLE)) {
                    return Optional.of("cannot raise opset " + from + " to " + target + ": " + op + " ('"
                            + n.label() + "') " + why.get());
                }
            }
            if (breaking != null) {
                if (breaking > from && breaking <= target) {
                    return Optional.of("cannot raise opset " + from + " to " + target + ": " + op + " ('"
                            + n.label() + "') changed in opset " + breaking);
                }
                continue;
            }
            if (!STABLE.contains(op)) {
                return Optional.of("cannot raise opset " + from + " to " + target + ": not sure " + op + " ('"
                        + n.label() + "') means the same in opset " + target);
            }
        }
        return Optional.empty();
    }

    /** Raises the opset (and the IR version to one that knows it); returns the note to record, if any. */
    public static Optional<String> raise(Model model, Rewriter rw, long target) {
        long from = model.defaultOpset();
        if (from >= target) {
            return Optional.empty();
        }
        for (Node n : model.graph().allNodes()) {
            Integer breaking = n.isStandard() ? BREAKING.get(n.opType()) : null;
            if (breaking != null && breaking > from && breaking <= target) {
                OpsetUpgrades.upgrade(n, rw, from);
            }
        }
        String domain = model.opset("").isPresent() || model.opset("ai.onnx").isEmpty() ? "" : "ai.onnx";
        rw.setOpset(domain, target);
        long minIr = target >= 13 ? 7 : target >= 11 ? 6 : 5;
        if (model.irVersion() < minIr) {
            rw.setIrVersion(minIr);
        }
        return Optional.of("opset raised from " + from + " to " + target);
    }
}
