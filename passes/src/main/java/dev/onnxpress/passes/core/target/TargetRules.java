package dev.onnxpress.passes.core.target;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The rules a model's nodes need from a runtime, named as in the capability tables ({@link TargetTable}):
 * <ul>
 *   <li>{@code op:Conv}: the op in its plain float32 form ({@code op:com.microsoft.Gelu} for other domains)</li>
 *   <li>{@code form:…}: an attribute-vs-input or optional-attribute form some importers lack, e.g.
 *       {@code form:Conv.kernel_shape_missing}, {@code form:Clip.min_max_inputs}</li>
 *   <li>{@code type:float16}: float16 tensors anywhere in the node</li>
 *   <li>{@code shape:symbolic_input_dims}: the model (not a node) has graph inputs with symbolic dims after
 *       the first; {@code shape:symbolic_batch_dim}: a symbolic first (batch) dim</li>
 *   <li>{@code shape:untyped_graph_outputs}: graph outputs without a declared type</li>
 * </ul>
 * Each rule is probed by a one-node model (TargetProbes in the tests); this class only detects which
 * rules a node needs.
 */
public final class TargetRules {
    public static final String CONV_NO_KERNEL_SHAPE = "form:Conv.kernel_shape_missing";
    public static final String CLIP_INPUTS = "form:Clip.min_max_inputs";
    public static final String SQUEEZE_AXES_INPUT = "form:Squeeze.axes_input";
    public static final String UNSQUEEZE_AXES_INPUT = "form:Unsqueeze.axes_input";
    public static final String REDUCE_AXES_INPUT = "form:Reduce.axes_input";
    public static final String CONCAT_CONSTANT = "form:Concat.constant_input";
    public static final String CAST_FLOAT_TO_INT = "form:Cast.float_to_int";
    public static final String FLOAT16 = "type:float16";
    public static final String SYMBOLIC_DIMS = "shape:symbolic_input_dims";
    public static final String SYMBOLIC_BATCH = "shape:symbolic_batch_dim";
    public static final String UNTYPED_OUTPUTS = "shape:untyped_graph_outputs";

    private static final Set<String> REDUCE_OPS = Set.of("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin",
            "ReduceProd", "ReduceL2", "ReduceL1", "ReduceLogSumExp", "ReduceSumSquare", "ReduceLogSum");

    private TargetRules() {
    }

    public static String op(Node n) {
        return "op:" + (n.isStandard() ? "" : n.domain() + ".") + n.opType();
    }

    /** Every rule {@code n} needs: its op first, then its forms and types (declared element types only). */
    public static List<String> of(Node n) {
        return of(n, v -> v.tensorType().map(ValueType.TensorType::elemType));
    }

    /** Every rule {@code n} needs, element types of undeclared values from {@code types}. */
    public static List<String> of(Node n, java.util.function.Function<Value, java.util.Optional<DataType>> types) {
        List<String> rules = new ArrayList<>();
        rules.add(op(n));
        if (!n.isStandard()) {
            return rules;
        }
        switch (n.opType()) {
            case "Conv", "ConvTranspose" -> {
                if (n.opType().equals("Conv") && n.attr("kernel_shape").isEmpty()) {
                    rules.add(CONV_NO_KERNEL_SHAPE);
                }
            }
            case "Concat" -> {
                boolean floats = types.apply(n.output()).map(DataType::isFloatingPoint).orElse(true);
                if (floats && n.inputs().stream().anyMatch(v -> !v.isNone() && n.graph().isConstant(v))) {
                    rules.add(CONCAT_CONSTANT);
                }
            }
            case "Cast" -> {
                DataType to = DataType.fromCode((int) n.attrInt("to", 0)).orElse(DataType.UNDEFINED);
                DataType from = types.apply(n.input(0)).orElse(DataType.UNDEFINED);
                if (to.isInteger() && !from.isInteger()) {
                    rules.add(CAST_FLOAT_TO_INT);
                }
            }
            case "Clip" -> {
                if (n.hasInput(1) || n.hasInput(2)) {
                    rules.add(CLIP_INPUTS);
                }
            }
            case "Squeeze" -> {
                if (n.hasInput(1)) {
                    rules.add(SQUEEZE_AXES_INPUT);
                }
            }
            case "Unsqueeze" -> {
                if (n.hasInput(1)) {
                    rules.add(UNSQUEEZE_AXES_INPUT);
                }
            }
            default -> {
                if (REDUCE_OPS.contains(n.opType()) && n.hasInput(1)) {
                    rules.add(REDUCE_AXES_INPUT);
                }
            }
        }
        if (touchesFloat16(n)) {
            rules.add(FLOAT16);
        }
        return rules;
    }

    /**
     * The model-level shape rules {@code model} needs: {@link #SYMBOLIC_BATCH} when a graph input's first
     * dim is not a fixed size, {@link #SYMBOLIC_DIMS} when another dim is not (or the rank is unknown).
     */
    public static List<String> shapeRules(Model model) {
        boolean batch = false;
        boolean other = false;
        for (Value v : model.graph().realInputs()) {
            var t = v.tensorType();
            if (t.isEmpty()) {
                continue;
            }
            if (t.get().shape().isEmpty()) {
                other = true;
                continue;
            }
            var dims = t.get().shape().get();
            for (int i = 0; i < dims.size(); i++) {
                if (!dims.get(i).isKnown()) {
                    if (i == 0) {
                        batch = true;
                    } else {
                        other = true;
                    }
                }
            }
        }
        List<String> rules = new ArrayList<>();
        if (batch) {
            rules.add(SYMBOLIC_BATCH);
        }
        if (other) {
            rules.add(SYMBOLIC_DIMS);
        }
        return rules;
    }

    public static boolean touchesFloat16(Node n) {
        if (n.is("Cast") && n.attrInt("to", 0) == DataType.FLOAT16.code()) {
            return true;
        }
        Graph g = n.graph();
        for (Value v : n.inputs()) {
            if (!v.isNone() && isFloat16(v, g)) {
                return true;
            }
        }
        for (Value v : n.outputs()) {
            if (!v.isNone() && isFloat16(v, g)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isFloat16(Value v, Graph g) {
        var c = g.initializer(v);
        if (c.isPresent()) {
            return c.get().dataType() == DataType.FLOAT16;
        }
        return v.tensorType().map(ValueType.TensorType::elemType).orElse(DataType.UNDEFINED) == DataType.FLOAT16;
    }
}
