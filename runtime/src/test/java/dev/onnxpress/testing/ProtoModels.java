package dev.onnxpress.testing;

import com.google.protobuf.ByteString;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.proto.Onnx;
import java.util.List;
import java.util.Map;

/**
 * Tiny ONNX models written directly as protobuf messages, for tests below the IR (the ORT runner, data
 * loaders). Dimensions are given as {@code Long}/{@code Integer} (fixed) or {@code String} (symbolic).
 *
 * <pre>
 * byte[] m = ProtoModels.graph("add")
 *     .input("x", DataType.FLOAT, "batch", 3)
 *     .initializer("b", Tensor.ofFloats(new long[] {3}, 1, 2, 3))
 *     .node("Add", List.of("x", "b"), List.of("y"))
 *     .output("y", DataType.FLOAT, "batch", 3)
 *     .toBytes();
 * </pre>
 */
public final class ProtoModels {
    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private long opset = 17;
    private int nodes;

    private ProtoModels(String name) {
        graph.setName(name);
    }

    public static ProtoModels graph(String name) {
        return new ProtoModels(name);
    }

    public ProtoModels opset(long version) {
        this.opset = version;
        return this;
    }

    public ProtoModels input(String name, DataType type, Object... dims) {
        graph.addInput(typed(name, type, dims));
        return this;
    }

    public ProtoModels output(String name, DataType type, Object... dims) {
        graph.addOutput(typed(name, type, dims));
        return this;
    }

    /** A graph output that declares no type. */
    public ProtoModels untypedOutput(String name) {
        graph.addOutput(Onnx.ValueInfoProto.newBuilder().setName(name));
        return this;
    }

    public ProtoModels valueInfo(String name, DataType type, Object... dims) {
        graph.addValueInfo(typed(name, type, dims));
        return this;
    }

    public ProtoModels initializer(String name, Tensor t) {
        Onnx.TensorProto.Builder b = Onnx.TensorProto.newBuilder().setName(name).setDataType(t.dataType().code());
        for (long d : t.dims()) {
            b.addDims(d);
        }
        if (t.dataType() == DataType.STRING) {
            t.strings().forEach(s -> b.addStringData(ByteString.copyFrom(s)));
        } else {
            b.setRawData(ByteString.copyFrom(t.rawBytes()));
        }
        graph.addInitializer(b);
        return this;
    }

    /** An initializer message as given (e.g. with external data). */
    public ProtoModels initializer(Onnx.TensorProto t) {
        graph.addInitializer(t);
        return this;
    }

    public ProtoModels node(String op, List<String> inputs, List<String> outputs) {
        return node(op, inputs, outputs, Map.of());
    }

    /** Attribute values: Long/Integer, Float/Double, String, long[], float[], GraphProto. */
    public ProtoModels node(String op, List<String> inputs, List<String> outputs, Map<String, Object> attrs) {
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(op).setName(op + "_" + nodes++)
                .addAllInput(inputs).addAllOutput(outputs);
        attrs.forEach((k, v) -> n.addAttribute(attribute(k, v)));
        graph.addNode(n);
        return this;
    }

    public Onnx.ModelProto toModel() {
        return Onnx.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("onnxpress-tests")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph)
                .build();
    }

    public byte[] toBytes() {
        return toModel().toByteArray();
    }

    static Onnx.ValueInfoProto typed(String name, DataType type, Object... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            Onnx.TensorShapeProto.Dimension.Builder db = Onnx.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                db.setDimParam(s);
            } else {
                db.setDimValue(((Number) d).longValue());
            }
            shape.addDim(db);
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name)
                .setType(Onnx.TypeProto.newBuilder().setTensorType(
                        Onnx.TypeProto.Tensor.newBuilder().setElemType(type.code()).setShape(shape)))
                .build();
    }

    private static Onnx.AttributeProto attribute(String name, Object v) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name);
        if (v instanceof Long || v instanceof Integer) {
            a.setType(Onnx.AttributeProto.AttributeType.INT).setI(((Number) v).longValue());
        } else if (v instanceof Float || v instanceof Double) {
            a.setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(((Number) v).floatValue());
        } else if (v instanceof String s) {
            a.setType(Onnx.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        } else if (v instanceof long[] ls) {
            a.setType(Onnx.AttributeProto.AttributeType.INTS);
            for (long l : ls) {
                a.addInts(l);
            }
        } else if (v instanceof float[] fs) {
            a.setType(Onnx.AttributeProto.AttributeType.FLOATS);
            for (float f : fs) {
                a.addFloats(f);
            }
        } else if (v instanceof Onnx.GraphProto g) {
            a.setType(Onnx.AttributeProto.AttributeType.GRAPH).setG(g);
        } else {
            throw new IllegalArgumentException("attribute " + name + ": unsupported value " + v);
        }
        return a.build();
    }
}
