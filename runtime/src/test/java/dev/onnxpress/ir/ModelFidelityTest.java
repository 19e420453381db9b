package dev.onnxpress.ir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.onnxpress.error.InvalidModelException;
import dev.onnxpress.proto.Onnx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a round trip must keep, on a model that uses every corner of the format, and how the IR sees it. */
class ModelFidelityTest {
    @TempDir
    Path tmp;

    private static Onnx.StringStringEntryProto kv(String k, String v) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    private static Onnx.ValueInfoProto vi(String name, int elem, Object... dims) {
        Onnx.TensorShapeProto.Builder s = Onnx.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            Onnx.TensorShapeProto.Dimension.Builder db = Onnx.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String p) {
                db.setDimParam(p).setDenotation("DATA_BATCH");
            } else {
                db.setDimValue(((Number) d).longValue());
            }
            s.addDim(db);
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setDocString("doc of " + name)
                .setType(Onnx.TypeProto.newBuilder().setTensorType(
                        Onnx.TypeProto.Tensor.newBuilder().setElemType(elem).setShape(s))).build();
    }

    static Onnx.ModelProto richModel() {
        UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
                .addField(999, UnknownFieldSet.Field.newBuilder().addVarint(42).build()).build();
        Onnx.GraphProto thenBranch = Onnx.GraphProto.newBuilder().setName("then")
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Add").addInput("x").addInput("w").addOutput("t_out"))
                .addOutput(vi("t_out", 1, 2)).build();
        Onnx.GraphProto elseBranch = Onnx.GraphProto.newBuilder().setName("else")
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Identity").addInput("x").addOutput("e_out"))
                .addOutput(vi("e_out", 1, 2)).build();
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().setName("main").setDocString("graph doc")
                .addInput(vi("x", 1, 2)).addInput(vi("cond", 9))
                .addInitializer(Onnx.TensorProto.newBuilder().setName("w").setDataType(1).addDims(2)
                        .addFloatData(1.5f).addFloatData(-2f).setDocString("typed float data"))
                .addInitializer(Onnx.TensorProto.newBuilder().setName("names").setDataType(8).addDims(2)
                        .addStringData(ByteString.copyFromUtf8("a")).addStringData(ByteString.copyFromUtf8("b")))
                .addSparseInitializer(Onnx.SparseTensorProto.newBuilder().addDims(4)
                        .setValues(Onnx.TensorProto.newBuilder().setName("sp").setDataType(1).addDims(1).addFloatData(3))
                        .setIndices(Onnx.TensorProto.newBuilder().setDataType(7).addDims(1).addInt64Data(2)))
                .addNode(Onnx.NodeProto.newBuilder().setName("if").setOpType("If").addInput("cond").addOutput("y")
                        .addAttribute(Onnx.AttributeProto.newBuilder().setName("then_branch")
                                .setType(Onnx.AttributeProto.AttributeType.GRAPH).setG(thenBranch))
                        .addAttribute(Onnx.AttributeProto.newBuilder().setName("else_branch")
                                .setType(Onnx.AttributeProto.AttributeType.GRAPH).setG(elseBranch))
                        .setDocString("node doc").addMetadataProps(kv("k", "v")))
                .addNode(Onnx.NodeProto.newBuilder().setName("custom").setOpType("Frobnicate").setDomain("com.example")
                        .addInput("y").addOutput("z").setUnknownFields(unknown)
                        .addAttribute(Onnx.AttributeProto.newBuilder().setName("mode")
                                .setType(Onnx.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("fast"))))
                .addNode(Onnx.NodeProto.newBuilder().setName("c").setOpType("Constant").addOutput("k")
                        .addAttribute(Onnx.AttributeProto.newBuilder().setName("value_floats")
                                .setType(Onnx.AttributeProto.AttributeType.FLOATS).addFloats(1).addFloats(2)))
                .addNode(Onnx.NodeProto.newBuilder().setName("mul").setOpType("Mul").addInput("z").addInput("k")
                        .addOutput("out"))
                .addOutput(vi("out", 1, "N"))
                .addValueInfo(vi("y", 1, 2))
                .addQuantizationAnnotation(Onnx.TensorAnnotation.newBuilder().setTensorName("y")
                        .addQuantParameterTensorNames(kv("SCALE_TENSOR", "w")))
                .addMetadataProps(kv("graph_key", "graph_value"))
                .setUnknownFields(unknown)
                .build();
        return Onnx.ModelProto.newBuilder().setIrVersion(9).setProducerName("test").setProducerVersion("1")
                .setDomain("dev.example").setModelVersion(3).setDocString("model doc")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("com.example").setVersion(1))
                .setGraph(g)
                .addMetadataProps(kv("author", "someone"))
                .addTrainingInfo(Onnx.TrainingInfoProto.newBuilder().addUpdateBinding(kv("w", "w_new")))
                .addFunctions(Onnx.FunctionProto.newBuilder().setName("F").setDomain("com.example").addInput("a")
                        .addOutput("b").addNode(Onnx.NodeProto.newBuilder().setOpType("Relu").addInput("a").addOutput("b")))
                .setUnknownFields(unknown)
                .build();
    }

    @Test
    void everyPartOfTheFormatSurvivesARoundTrip() throws Exception {
        Onnx.ModelProto original = richModel();
        Path in = tmp.resolve("rich.onnx");
        Files.write(in, original.toByteArray());
        Model m = ModelReader.read(in);
        Path out = tmp.resolve("out.onnx");
        ModelWriter.write(m, out);
        Onnx.ModelProto back = Onnx.ModelProto.parseFrom(Files.readAllBytes(out));
        assertThat(back).isEqualTo(original);
        assertThat(Files.readAllBytes(out)).isEqualTo(original.toByteArray());
        // the structural copy writes the same model too
        assertThat(ModelWriter.toBytes(m.copy())).isEqualTo(original.toByteArray());
    }

    @Test
    void irSeesScopesConstantsAndUses() {
        Model m = ModelReader.read(richModel().toByteArray(), Optional.empty(), "rich");
        Graph g = m.graph();
        Value x = g.findValue("x").orElseThrow();
        Node ifNode = g.findNode("if").orElseThrow();
        Graph then = ifNode.attr("then_branch").orElseThrow().g();
        // x is read only inside both branches: the uses point at the subgraph nodes
        assertThat(x.uses()).hasSize(2);
        assertThat(x.uses()).allMatch(u -> u.node().graph() != g);
        assertThat(then.parent()).contains(g);
        assertThat(then.ownerNode()).contains(ifNode);
        assertThat(g.outerScopeReads()).isEmpty();
        assertThat(then.outerScopeReads()).extracting(Value::name).containsExactlyInAnyOrder("x", "w");

        Value w = g.findValue("w").orElseThrow();
        assertThat(g.constantValue(w)).hasValueSatisfying(t -> assertThat(t.toFloatArray()).containsExactly(1.5f, -2f));
        Value k = g.findValue("k").orElseThrow();
        assertThat(g.constantValue(k)).hasValueSatisfying(t -> assertThat(t.toFloatArray()).containsExactly(1f, 2f));
        assertThat(g.constantValue(x)).isEmpty();
        Value names = g.findValue("names").orElseThrow();
        assertThat(g.constantValue(names).orElseThrow().strings()).extracting(String::new).containsExactly("a", "b");
        assertThat(m.opsets()).containsEntry("com.example", 1L);
        assertThat(g.findNode("custom").orElseThrow().isStandard()).isFalse();
        assertThat(g.opHistogram()).containsEntry("com.example.Frobnicate", 1).containsEntry("Add", 1);
    }

    @Test
    void rewriterKeepsUseListsAndOrder() {
        Model m = ModelReader.read(richModel().toByteArray(), Optional.empty(), "rich");
        Graph g = m.graph();
        Rewriter rw = new Rewriter(m);
        Value z = g.findValue("z").orElseThrow();
        Node mul = g.findNode("mul").orElseThrow();
        // insert Relu between custom and mul; added at the end, the graph re-sorts itself
        Value r = rw.add(g, "Relu", "relu", List.of(z), Map.of());
        rw.setInput(mul, 0, r);
        assertThat(z.uses()).hasSize(1);
        List<Node> order = g.nodes();
        assertThat(order.indexOf(r.producer().orElseThrow())).isLessThan(order.indexOf(mul));
        assertThat(rw.changes()).isEqualTo(2);
        assertThatThrownBy(() -> rw.removeNode(g.findNode("custom").orElseThrow()))
                .isInstanceOf(IllegalStateException.class);
        String fresh = rw.uniqueName("z");
        assertThat(fresh).isNotEqualTo("z");
        // a copy is independent
        Model c = m.copy();
        new Rewriter(c).setName(c.graph().findNode("mul").orElseThrow(), "renamed");
        assertThat(g.findNode("mul")).isPresent();
    }

    @Test
    void reshapedFileTensorIsWrittenWithItsNewDimsAndReadableFiles() throws Exception {
        Path in = tmp.resolve("rich.onnx");
        Files.write(in, richModel().toByteArray());
        Model m = ModelReader.read(in);
        Value w = m.graph().findValue("w").orElseThrow();
        Tensor original = m.graph().initializer(w).orElseThrow();
        new Rewriter(m).setInitializer(w, original.reshape(1, 2));
        Path out = tmp.resolve("reshaped.onnx");
        ModelWriter.write(m, out);
        Tensor back = ModelReader.read(out).graph().initializers().entrySet().stream()
                .filter(e -> e.getKey().name().equals("w")).findFirst().orElseThrow().getValue();
        assertThat(back.dims()).containsExactly(1, 2);
        assertThat(back.toFloatArray()).containsExactly(1.5f, -2f);
        if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)))
                    .isEqualTo("rw-r--r--");
        }
    }

    @Test
    void cycleIsReportedWithTheNodes() {
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().addInput(vi("x", 1, 2))
                .addNode(Onnx.NodeProto.newBuilder().setName("a").setOpType("Add").addInput("x").addInput("b_out")
                        .addOutput("a_out"))
                .addNode(Onnx.NodeProto.newBuilder().setName("b").setOpType("Relu").addInput("a_out").addOutput("b_out"))
                .addOutput(vi("b_out", 1, 2)).build();
        byte[] bytes = Onnx.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(13)).build().toByteArray();
        assertThatThrownBy(() -> ModelReader.read(bytes, Optional.empty(), "cyc.onnx"))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("cycle")
                .hasMessageContaining("'a'").hasMessageContaining("'b'");
    }
}
