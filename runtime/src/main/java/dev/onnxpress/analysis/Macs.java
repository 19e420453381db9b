package dev.onnxpress.analysis;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.ort.OrtRunner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Multiply-accumulates of the matrix ops of a model, for one run with every symbolic dimension taken
 * as 1 (a batch of one). Counted ops and formulas, with {@code ∏Y} the element count of the output:
 * <pre>
 *   Conv, ConvInteger, QLinearConv   N·Cout·∏outSpatial·(Cin/group)·∏kernel = ∏Y · ∏W[1:]
 *   ConvTranspose                    N·Cin·∏inSpatial·(Cout/group)·∏kernel  = ∏X · ∏W[1:]
 *   Gemm                             M·N·K                                  = ∏Y · K   (K from A, after transA)
 *   MatMul, MatMulInteger,
 *   QLinearMatMul                    batch·M·N·K                            = ∏Y · K   (K = last dim of A)
 * </pre>
 * The W[1:] forms hold because ONNX lays weights out as [Cout, Cin/group, k…] for Conv and
 * [Cin, Cout/group, k…] for ConvTranspose; the ∏Y·K forms cover MatMul's broadcasting and 1-D operands.
 * Bias additions are not counted.
 *
 * <p>Shapes come from the model's declared types (value_info, graph inputs/outputs, initializers) when
 * fully known; otherwise the model is run once in ONNX Runtime on zeros, every symbolic or unknown
 * input dimension set to 1, with taps on the values whose shapes are missing. The estimate is empty when
 * that is not possible: a counted op inside a subgraph (its run count is data dependent), an input that
 * is not a plain tensor, a model that needs other sizes than 1 or fails to run, or a count overflowing
 * a long.
 *
 * @param total   sum over all counted nodes
 * @param perNode one entry per counted node, in topological order
 */
public record Macs(long total, List<NodeMacs> perNode) {

    public Macs {
        perNode = List.copyOf(perNode);
    }

    /** One counted node: its name (or a description when unnamed), op type and MACs. */
    public record NodeMacs(String node, String opType, long macs) {
    }

    /** Largest zero input we are willing to build, in bytes: beyond it the estimate is skipped. */
    private static final long MAX_INPUT_BYTES = 1L << 30;

    /** The model's MACs, or empty when its shapes cannot be known (see the class comment). */
    public static Optional<Macs> estimate(Model model) {
        return estimate(model, true);
    }

    /** As {@link #estimate(Model)}; {@code staticFirst} false always measures missing shapes in ORT (tests). */
    static Optional<Macs> estimate(Model model, boolean staticFirst) {
        Graph main = model.graph();
        for (Graph sub : main.allGraphs()) {
            if (sub != main && sub.nodes().stream().anyMatch(Macs::isCounted)) {
                return Optional.empty();
            }
        }
        List<Node> counted = main.nodes().stream().filter(Macs::isCounted).toList();
        if (counted.isEmpty()) {
            return Optional.of(new Macs(0, List.of()));
        }
        Map<Value, long[]> shapes = new HashMap<>();
        Set<Value> missing = new LinkedHashSet<>();
        for (Node n : counted) {
            for (Value v : operands(n)) {
                if (v.isNone()) {
                    return Optional.empty();
                }
                Optional<long[]> known = declaredShape(main, v);
                if (known.isPresent()) {
                    shapes.put(v, known.get());
                } else {
                    missing.add(v);
                }
            }
        }
        if (!missing.isEmpty()) {
            // static inference first: most models need no ONNX Runtime session (nor its native library)
            Optional<Map<Value, long[]>> measured = (staticFirst ? infer(model, missing) : Optional.<Map<Value, long[]>>empty())
                    .or(() -> measure(model, missing));
            if (measured.isEmpty()) {
                return Optional.empty();
            }
            shapes.putAll(measured.get());
        }
        try {
            List<NodeMacs> per = new ArrayList<>();
            long total = 0;
            for (Node n : counted) {
                long m = count(n, shapes);
                per.add(new NodeMacs(n.label(), n.opType(), m));
                total = Math.addExact(total, m);
            }
            return Optional.of(new Macs(total, per));
        } catch (ArithmeticException | IllegalArgumentException | IllegalStateException e) {
            // overflow, an operand of the wrong rank, an attribute of the wrong type: no estimate
            return Optional.empty();
        }
    }

    private static boolean isCounted(Node n) {
        return switch (n.isStandard() ? n.opType() : "") {
            case "Conv", "ConvInteger", "QLinearConv", "ConvTranspose", "Gemm", "MatMul", "MatMulInteger",
                 "QLinearMatMul" -> true;
            default -> false;
        };
    }

    /** The values whose shapes the formula of n needs: {first, second}. */
    private static List<Value> operands(Node n) {
        return switch (n.opType()) {
            case "Conv", "ConvInteger" -> List.of(n.output(0), n.input(1));
            case "QLinearConv" -> List.of(n.output(0), n.input(3));
            case "ConvTranspose" -> List.of(n.input(0), n.input(1));
            default -> List.of(n.output(0), n.input(0)); // Gemm and the MatMuls: Y and A
        };
    }

    private static long count(Node n, Map<Value, long[]> shapes) {
        List<Value> ops = operands(n);
        long[] first = shapes.get(ops.get(0));
        long[] second = shapes.get(ops.get(1));
        long elements = product(first, 0);
        return switch (n.opType()) {
            case "Conv", "ConvInteger", "QLinearConv", "ConvTranspose" -> {
                require(second.length >= 2, n);
                yield Math.multiplyExact(elements, product(second, 1));
            }
            case "Gemm" -> {
                require(second.length == 2, n);
                yield Math.multiplyExact(elements, n.attrInt("transA", 0) != 0 ? second[0] : second[1]);
            }
            default -> {
                require(second.length >= 1, n);
                yield Math.multiplyExact(elements, second[second.length - 1]);
            }
        };
    }

    private static void require(boolean ok, Node n) {
        if (!ok) {
            throw new IllegalArgumentException("unexpected operand rank at " + n.label());
        }
    }

    private static long product(long[] dims, int from) {
        long p = 1;
        for (int i = from; i < dims.length; i++) {
            p = Math.multiplyExact(p, dims[i]);
        }
        return p;
    }

    /** The shape the model declares for v, when every dimension of it is a number. */
    private static Optional<long[]> declaredShape(Graph g, Value v) {
        Optional<Tensor> constant = g.constantValue(v);
        if (constant.isPresent()) {
            return Optional.of(constant.get().dims());
        }
        Optional<Tensor> init = g.initializer(v);
        if (init.isPresent()) {
            return Optional.of(init.get().dims());
        }
        return v.tensorType().filter(ValueType.TensorType::isFullyKnown).flatMap(ValueType.TensorType::knownDims);
    }

    /**
     * The shapes of {@code values} from {@link StaticShapes} on a copy of the model whose symbolic and
     * unknown input dims are 1, as {@link #measure} would run it; empty unless inference reaches every one
     * of them with every dim known.
     */
    static Optional<Map<Value, long[]>> infer(Model model, Set<Value> values) {
        try {
            Model copy = model.copy();
            dev.onnxpress.ir.Rewriter rw = new dev.onnxpress.ir.Rewriter(copy);
            for (Value in : copy.graph().realInputs()) {
                Optional<ValueType.TensorType> t = in.tensorType();
                Optional<long[]> dims = t.flatMap(ValueType.TensorType::knownDims);
                if (dims.isEmpty()) {
                    return Optional.empty();
                }
                long[] d = dims.get();
                for (int i = 0; i < d.length; i++) {
                    d[i] = d[i] < 0 ? 1 : d[i];
                }
                rw.setType(in, ValueType.TensorType.of(t.get().elemType(), d));
            }
            StaticShapes shapes = StaticShapes.infer(copy.graph(), copy.defaultOpset());
            Map<String, Value> byName = valuesByName(copy.graph());
            Map<Value, long[]> out = new HashMap<>();
            for (Value v : values) {
                Optional<long[]> known = Optional.ofNullable(byName.get(v.name())).flatMap(shapes::knownDims);
                if (known.isEmpty()) {
                    return Optional.empty();
                }
                out.put(v, known.get());
            }
            return Optional.of(out);
        } catch (RuntimeException e) {
            return Optional.empty();   // inference gave up: measure instead
        }
    }

    /**
     * The graph's own values by name, in {@link Graph#findValue}'s order of precedence (inputs, initializers,
     * node outputs), built once: a lookup per value would scan the graph for each and be quadratic.
     */
    private static Map<String, Value> valuesByName(Graph g) {
        Map<String, Value> byName = new HashMap<>();
        g.inputs().forEach(v -> byName.putIfAbsent(v.name(), v));
        g.initializers().keySet().forEach(v -> byName.putIfAbsent(v.name(), v));
        g.sparseInitializers().forEach(v -> byName.putIfAbsent(v.name(), v));
        for (Node n : g.nodes()) {
            n.outputs().forEach(v -> byName.putIfAbsent(v.name(), v));
        }
        return byName;
    }

    /** Runs the model once on zeros (symbolic dims = 1) and reads the shapes of {@code values}. */
    private static Optional<Map<Value, long[]>> measure(Model model, Set<Value> values) {
        try {
            Map<String, Tensor> feeds = new LinkedHashMap<>();
            for (Value in : model.graph().realInputs()) {
                Optional<Tensor> zero = zeros(in);
                if (zero.isEmpty()) {
                    return Optional.empty();
                }
                feeds.put(in.name(), zero.get());
            }
            List<String> names = values.stream().map(Value::name).toList();
            Map<String, Tensor> out;
            // a large model runs from files, not one serialized array
            try (OrtRunner ort = OrtRunner.open(model, names, OrtRunner.Options.defaults())) {
                out = ort.run(feeds, names);
            }
            Map<Value, long[]> shapes = new HashMap<>();
            for (Value v : values) {
                shapes.put(v, out.get(v.name()).dims());
            }
            return Optional.of(shapes);
        } catch (RuntimeException e) {
            // any failure (ORT cannot load or run the model at size 1, too large to serialize …) means
            // the shapes are unknown, which the estimate reports as empty
            return Optional.empty();
        }
    }

    private static Optional<Tensor> zeros(Value input) {
        Optional<ValueType.TensorType> t = input.tensorType();
        if (t.isEmpty() || t.get().shape().isEmpty()) {
            return Optional.empty();
        }
        DataType dt = t.get().elemType();
        if (dt == DataType.STRING || dt == DataType.UNDEFINED || dt.bits() == 0) {
            return Optional.empty();
        }
        List<Dim> shape = t.get().shape().get();
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.get(i).sizeOr(1);
        }
        long bytes = dt.byteSize(Tensor.elementCount(dims));
        if (bytes > MAX_INPUT_BYTES) {
            return Optional.empty();
        }
        return Optional.of(Tensor.ofRaw(dt, dims, new byte[(int) bytes]));
    }
}
