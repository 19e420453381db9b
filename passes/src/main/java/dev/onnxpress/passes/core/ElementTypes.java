package dev.onnxpress.passes.core;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Element types of every value of a model, where ONNX files usually declare them only for graph inputs
 * and outputs. Declared types win; otherwise an output's type follows from its op: comparisons give
 * bool, Shape/Size/Arg* give int64, Cast gives its {@code to}, Constant its tensor, control flow its
 * bodies' outputs, and every other standard op (elementwise arithmetic, data movement, reductions,
 * convolutions…) gives the type of its first typed data input, which is what the ONNX type constraints
 * say for them (T in, T out). Custom-domain outputs without a declaration stay unknown.
 */
public final class ElementTypes {
    private static final Set<String> BOOL_OUT = Set.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
            "Not", "And", "Or", "Xor", "IsNaN", "IsInf", "RegexFullMatch");
    private static final Set<String> INT64_OUT = Set.of("Shape", "Size", "ArgMax", "ArgMin", "NonZero",
            "NonMaxSuppression");

    private final Map<Value, DataType> types = new IdentityHashMap<>();
    /** False: a standard op's output type follows from the op even where a value_info declares another. */
    private final boolean trustDeclared;
    /** The default-domain opset, where an op's output type depends on it (Dropout's mask); 0: unknown. */
    private final long opset;

    private ElementTypes() {
        this(true, 0);
    }

    private ElementTypes(boolean trustDeclared, long opset) {
        this.trustDeclared = trustDeclared;
        this.opset = opset;
    }

    /**
     * Element types as the ops produce them, ignoring what value_info declares for node outputs of standard
     * ops whose rule is known: what a declaration is checked against ({@link #declaredElementType}).
     */
    public static ElementTypes fromProducers(Graph root, long opset) {
        ElementTypes t = new ElementTypes(false, opset);
        t.infer(root);
        return t;
    }

    /** The element type a value's own declaration (value_info) gives, if any. */
    public static Optional<DataType> declaredElementType(Value v) {
        return declared(v);
    }

    /** Infers the element types of all values in {@code root} and its subgraphs. */
    public static ElementTypes of(Graph root) {
        ElementTypes t = new ElementTypes();
        t.infer(root);
        return t;
    }

    public Optional<DataType> of(Value v) {
        if (v.isNone()) {
            return Optional.empty();
        }
        DataType d = types.get(v);
        if (d == null) {
            d = declared(v).orElse(null);
        }
        return Optional.ofNullable(d);
    }

    public boolean isFloat(Value v) {
        return of(v).map(d -> d == DataType.FLOAT).orElse(false);
    }

    private static Optional<DataType> declared(Value v) {
        return v.tensorType().map(ValueType.TensorType::elemType).filter(d -> d != DataType.UNDEFINED);
    }

    private void infer(Graph g) {
        for (Value v : g.inputs()) {
            declared(v).ifPresent(d -> types.put(v, d));
        }
        for (Map.Entry<Value, Tensor> e : g.initializers().entrySet()) {
            types.put(e.getKey(), e.getValue().dataType());
        }
        for (Node n : g.nodes()) {
            for (Graph sub : n.subgraphs()) {
                infer(sub);
            }
            for (int i = 0; i < n.outputs().size(); i++) {
                Value o = n.output(i);
                if (o.isNone()) {
                    continue;
                }
                Optional<DataType> d = trustDeclared ? declared(o) : Optional.empty();
                if (d.isEmpty()) {
                    d = byOp(n, i);
                }
                if (d.isEmpty() && !trustDeclared) {
                    d = declared(o);
                }
                d.ifPresent(x -> types.put(o, x));
            }
        }
    }

    private Optional<DataType> byOp(Node n, int out) {
        if (!n.isStandard()) {
            return Optional.empty();
        }
        String op = n.opType();
        if (BOOL_OUT.contains(op)) {
            return Optional.of(DataType.BOOL);
        }
        if (INT64_OUT.contains(op) || (op.equals("TopK") && out == 1) || (op.equals("MaxPool") && out == 1)
                || (op.equals("Unique") && out > 0)) {
            return Optional.of(DataType.INT64);
        }
        switch (op) {
            case "Dropout":
                // the mask: bool since opset 10 (Dropout-10), the data's type before
                return out == 1 && opset >= 10 ? Optional.of(DataType.BOOL) : of(n.input(0));
            case "Cast":
                return DataType.fromCode((int) n.attrInt("to", 0));
            case "CastLike":
                return of(n.input(1));
            case "Constant":
                return n.graph().constantValue(n.output()).map(Tensor::dataType);
            case "ConstantOfShape":
                return Optional.of(n.attr("value").map(a -> a.t().dataType()).orElse(DataType.FLOAT));
            case "EyeLike", "RandomNormalLike", "RandomUniformLike":
                return n.attr("dtype").isPresent() ? DataType.fromCode((int) n.attrInt("dtype", 1)) : of(n.input(0));
            case "RandomNormal", "RandomUniform", "Multinomial", "Bernoulli":
                return DataType.fromCode((int) n.attrInt("dtype", op.equals("Multinomial") ? 6 : 1));
            case "Where":
                return of(n.input(1));
            case "OneHot":
                return of(n.input(2));
            case "QuantizeLinear", "DynamicQuantizeLinear":
                return n.hasInput(2) ? of(n.input(2)) : Optional.of(out == 0 ? DataType.UINT8 : DataType.FLOAT);
            case "DequantizeLinear":
                return of(n.input(1));
            case "MatMulInteger", "ConvInteger":
                return Optional.of(DataType.INT32);
            case "If", "Loop", "Scan":
                return controlFlow(n, out);
            default:
                for (Value in : n.inputs()) {
                    Optional<DataType> d = of(in);
                    if (d.isPresent()) {
                        return d;
                    }
                }
                return Optional.empty();
        }
    }

    private Optional<DataType> controlFlow(Node n, int out) {
        List<Graph> subs = n.subgraphs();
        if (subs.isEmpty()) {
            return Optional.empty();
        }
        Graph body = subs.get(0);
        // Loop body outputs: cond, carried..., scan outputs; the node's outputs skip cond
        int idx = n.opType().equals("Loop") ? out + 1 : out;
        return idx < body.outputs().size() ? of(body.outputs().get(idx)) : Optional.empty();
    }

    /** The type as a tensor type with a new element type, keeping the declared shape. */
    public static ValueType.TensorType retype(Value v, DataType elem) {
        return new ValueType.TensorType(elem, v.tensorType().flatMap(ValueType.TensorType::shape));
    }

}
