package dev.onnxpress.passes.core.target;

import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.passes.core.ElementTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a deployment runtime cannot run in a model as it is, by its measured {@link TargetTable}, and which
 * of those {@code make_compatible} rewrites: read by the pass, by the pipeline's target-runtime notes and by
 * {@code inspect --runtime}.
 */
public final class TargetFindings {
    private TargetFindings() {
    }

    /** A node, or the model, that the target cannot run as it is, and why. */
    public record Finding(String where, String rule, String evidence, boolean fixable) {
        public String text() {
            return where + ": " + rule + (evidence.isEmpty() ? "" : " (" + evidence + ")");
        }
    }

    /** What {@code runtime} cannot run in {@code model} as it is, and whether make_compatible fixes each (which it rewrites). */
    public static List<Finding> findings(Model model, TargetTable table) {
        List<Finding> out = new ArrayList<>();
        for (String rule : TargetRules.shapeRules(model)) {
            if (table.fails(rule)) {
                out.add(new Finding("model inputs", rule, table.evidence(rule), true));
            }
        }
        if (!OutputTypes.untyped(model).isEmpty() && table.fails(TargetRules.UNTYPED_OUTPUTS)) {
            out.add(new Finding("outputs " + OutputTypes.untyped(model), TargetRules.UNTYPED_OUTPUTS,
                    table.evidence(TargetRules.UNTYPED_OUTPUTS), true));
        }
        ElementTypes types = ElementTypes.of(model.graph());
        for (Node n : model.graph().allNodes()) {
            for (String rule : TargetRules.of(n, types::of)) {
                if (table.fails(rule)) {
                    out.add(new Finding("node '" + n.label() + "' (" + n.opType() + ")", rule, table.evidence(rule),
                            fixable(n, rule)));
                }
            }
        }
        return out;
    }

    /** The rules of {@code model}'s nodes that the table has no row for ("op:Foo"), sorted. */
    public static Set<String> unmeasured(Model model, TargetTable table) {
        Set<String> out = new java.util.TreeSet<>();
        for (Node n : model.graph().allNodes()) {
            for (String rule : TargetRules.of(n)) {
                if (table.supports(rule).isEmpty()) {
                    out.add(rule);
                }
            }
        }
        return out;
    }



    private static boolean fixable(Node n, String rule) {
        return switch (rule) {
            case TargetRules.FLOAT16, TargetRules.CLIP_INPUTS, "op:Mean", "op:Gelu", "op:HardSwish", "op:Mish" -> true;
            case TargetRules.CONV_NO_KERNEL_SHAPE -> kernelDims(n).isPresent();
            default -> false;
        };
    }

    /** kernel_shape of a Conv from its weight [M, C/group, k1, k2, …], when the weight's shape is known. */
    public static Optional<long[]> kernelDims(Node n) {
        if (!n.hasInput(1)) {
            return Optional.empty();
        }
        Value w = n.input(1);
        Optional<Tensor> c = n.graph().constantValue(w);
        long[] dims;
        if (c.isPresent()) {
            dims = c.get().dims();
        } else {
            Optional<List<Dim>> shape = w.tensorType().flatMap(ValueType.TensorType::shape);
            if (shape.isEmpty() || shape.get().stream().skip(2).anyMatch(d -> !d.isKnown())) {
                return Optional.empty();
            }
            dims = shape.get().stream().mapToLong(d -> d.sizeOr(-1)).toArray();
        }
        return dims.length < 3 ? Optional.empty() : Optional.of(java.util.Arrays.copyOfRange(dims, 2, dims.length));
    }
}
