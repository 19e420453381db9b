package dev.onnxpress.analysis;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Size and structure figures of a model, computed from the IR alone (no ONNX Runtime). The CLI's
 * {@code inspect} and the pipeline reports show them; {@link Macs} adds the compute estimate.
 *
 * <p>Definitions (all graphs, subgraphs of If/Loop/Scan included):
 * <ul>
 *   <li>{@code nodes}: every node, subgraph nodes included, so the {@code ops} histogram sums to it.</li>
 *   <li>{@code weightBytes}: raw bytes of every constant tensor (initializers, {@code Constant} node
 *       values and other tensor attributes), by element type. Sparse initializers are not counted.</li>
 *   <li>{@code parameters}: elements of the floating-point and integer constant tensors (initializers
 *       and {@code Constant} node values), except tensors read only as the running mean or variance of a
 *       {@code BatchNormalization} (inputs 3 and 4): those are statistics gathered in training, not
 *       learned weights, and training frameworks do not count them as parameters either. Bool and string
 *       tensors are not parameters. Small integer tensors (shapes, axes) do count.</li>
 * </ul>
 *
 * @param nodes          node count, subgraphs included
 * @param ops            op histogram, most frequent first ({@link Graph#opHistogram()}; custom domains as
 *                       {@code domain.Op})
 * @param parameters     see above
 * @param weightBytes    constant tensor bytes by element type, largest first
 * @param opsets         opset imports, domain → version ("" is the default ONNX domain)
 * @param inputs         what a caller feeds (graph inputs that are not initializers)
 * @param outputs        graph outputs
 * @param subgraphs      graphs nested in node attributes
 * @param nonStandardOps op types of nodes outside the default ONNX domain, as {@code domain.Op}, sorted
 */
public record ModelStats(int nodes, Map<String, Integer> ops, long parameters, Map<DataType, Long> weightBytes,
                         Map<String, Long> opsets, List<Port> inputs, List<Port> outputs, int subgraphs,
                         List<String> nonStandardOps) {

    public ModelStats {
        ops = Collections.unmodifiableMap(new LinkedHashMap<>(ops));
        weightBytes = Collections.unmodifiableMap(new LinkedHashMap<>(weightBytes));
        opsets = Collections.unmodifiableMap(new LinkedHashMap<>(opsets));
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        nonStandardOps = List.copyOf(nonStandardOps);
    }

    /**
     * A graph input or output as declared.
     *
     * @param type  element type for tensors ({@code float}, {@code int64} …), otherwise the kind of value
     *              ({@code sequence}, {@code map}, {@code optional} …), or {@code unknown}
     * @param shape dims for tensors with a known rank; empty when the rank is unknown or the value is not
     *              a tensor. Each dim is {@link Dim.Known}, {@link Dim.Symbolic} (by name) or {@link Dim.Unknown}.
     */
    public record Port(String name, String type, Optional<List<Dim>> shape) {
        public Port {
            shape = shape.map(List::copyOf);
        }

        /** {@code float[batch,1,28,28]}; just the type when the shape is unknown. */
        public String describe() {
            return type + shape.map(s -> s.stream().map(Object::toString)
                    .collect(java.util.stream.Collectors.joining(",", "[", "]"))).orElse("");
        }
    }

    /** Total constant tensor bytes over all element types. */
    public long totalWeightBytes() {
        return weightBytes.values().stream().mapToLong(Long::longValue).sum();
    }

    public static ModelStats of(Model model) {
        Graph main = model.graph();
        List<Graph> graphs = main.allGraphs();
        Map<DataType, Long> bytes = new EnumMap<>(DataType.class);
        long parameters = 0;
        Set<String> custom = new TreeSet<>();
        for (Graph g : graphs) {
            for (Map.Entry<Value, Tensor> e : g.initializers().entrySet()) {
                Tensor t = e.getValue();
                bytes.merge(t.dataType(), t.byteSize(), Long::sum);
                if (isParameter(t, e.getKey())) {
                    parameters += t.elementCount();
                }
            }
            for (Node n : g.nodes()) {
                if (!n.isStandard()) {
                    custom.add(n.domain() + "." + n.opType());
                }
                for (Attr a : n.attrs().values()) {
                    for (Tensor t : tensorsOf(a)) {
                        bytes.merge(t.dataType(), t.byteSize(), Long::sum);
                    }
                }
                if (n.is("Constant") && n.outputs().size() == 1) {
                    Optional<Tensor> t = g.constantValue(n.output());
                    if (t.isPresent() && isParameter(t.get(), n.output())) {
                        parameters += t.get().elementCount();
                    }
                    // value_float/value_ints forms hold their data in a non-tensor attribute
                    if (t.isPresent() && n.attr("value").isEmpty() && t.get().dataType() != DataType.STRING) {
                        bytes.merge(t.get().dataType(), t.get().byteSize(), Long::sum);
                    }
                }
            }
        }
        return new ModelStats(main.allNodes().size(), main.opHistogram(), parameters, largestFirst(bytes),
                model.opsets(), ports(main.realInputs()), ports(main.outputs()), graphs.size() - 1,
                new ArrayList<>(custom));
    }

    private static List<Tensor> tensorsOf(Attr a) {
        return switch (a.kind()) {
            case TENSOR -> List.of(a.t());
            case TENSORS -> a.tensors();
            default -> List.of();
        };
    }

    private static boolean isParameter(Tensor t, Value v) {
        DataType dt = t.dataType();
        if (!dt.isFloatingPoint() && !dt.isInteger()) {
            return false;
        }
        return !onlyBatchNormStatistics(v);
    }

    /** True if every reader of v takes it as BatchNormalization's running mean or variance. */
    private static boolean onlyBatchNormStatistics(Value v) {
        if (v.uses().isEmpty()) {
            return false;
        }
        for (Value.Use u : v.uses()) {
            if (!u.node().is("BatchNormalization") || u.inputIndex() < 3) {
                return false;
            }
        }
        return true;
    }

    private static Map<DataType, Long> largestFirst(Map<DataType, Long> bytes) {
        List<Map.Entry<DataType, Long>> entries = new ArrayList<>(bytes.entrySet());
        entries.sort(Map.Entry.<DataType, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey()));
        Map<DataType, Long> out = new LinkedHashMap<>();
        entries.forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static List<Port> ports(List<Value> values) {
        Map<Value, Boolean> seen = new IdentityHashMap<>();
        List<Port> out = new ArrayList<>();
        for (Value v : values) {
            if (seen.put(v, true) != null) {
                continue;
            }
            out.add(port(v));
        }
        return out;
    }

    static Port port(Value v) {
        Optional<ValueType> t = v.type();
        if (t.isEmpty() || t.get() instanceof ValueType.Unspecified) {
            return new Port(v.name(), "unknown", Optional.empty());
        }
        ValueType type = t.get();
        if (type instanceof ValueType.TensorType tt) {
            return new Port(v.name(), tt.elemType().displayName(), tt.shape());
        }
        if (type instanceof ValueType.SparseTensorType st) {
            return new Port(v.name(), "sparse " + st.elemType().displayName(), st.shape());
        }
        String kind = type instanceof ValueType.SequenceType ? "sequence"
                : type instanceof ValueType.MapType ? "map"
                : type instanceof ValueType.OptionalType ? "optional"
                : type instanceof ValueType.OpaqueType ? "opaque" : "unknown";
        return new Port(v.name(), kind, Optional.empty());
    }
}
