package dev.onnxpress.passes.strip.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StripDocsPassTest {
    private static final StripDocsPass PASS = new StripDocsPass();

    /** A model with doc strings and metadata everywhere the format has them, subgraphs included. */
    private static Model documented() throws Exception {
        Model built = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .input("c", DataType.BOOL)
                .node("Relu", List.of("x"), List.of("r"))
                .ifNode("c", List.of("y"),
                        t -> t.node("Neg", List.of("r"), List.of("t1")).output("t1"),
                        e -> e.node("Abs", List.of("r"), List.of("e1")).output("e1"))
                .output("y", DataType.FLOAT, 3).build();
        Onnx.ModelProto.Builder p = Onnx.ModelProto.parseFrom(ModelWriter.toBytes(built)).toBuilder();
        p.setDocString("exported by a converter").setProducerName("pytorch").setProducerVersion("1.13");
        p.addMetadataProps(entry("author", "someone")).addMetadataProps(entry("license", "MIT"))
                .addMetadataProps(entry("git_sha", "abc123"));
        Onnx.GraphProto.Builder g = p.getGraphBuilder();
        g.setDocString("main graph").addMetadataProps(entry("graph_note", "n"));
        g.getInputBuilder(0).setDocString("the image");
        g.getOutputBuilder(0).setDocString("the logits");
        for (Onnx.NodeProto.Builder n : g.getNodeBuilderList()) {
            n.setDocString("File \"model.py\", line 42").addMetadataProps(entry("source", "model.py:42"));
            for (Onnx.AttributeProto.Builder a : n.getAttributeBuilderList()) {
                a.setDocString("branch doc");
                a.getGBuilder().setDocString("branch graph doc").getNodeBuilder(0).setDocString("inner node doc");
            }
        }
        return ModelReader.read(p.build().toByteArray(), Optional.empty(), "documented");
    }

    private static Onnx.StringStringEntryProto entry(String k, String v) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    /** Every non-empty doc_string field anywhere in the written model. */
    private static List<String> docStrings(Message m) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Descriptors.FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            Descriptors.FieldDescriptor f = e.getKey();
            if (f.getName().equals("doc_string") && !((String) e.getValue()).isEmpty()) {
                out.add((String) e.getValue());
            } else if (f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                if (f.isRepeated()) {
                    for (Object o : (List<?>) e.getValue()) {
                        out.addAll(docStrings((Message) o));
                    }
                } else {
                    out.addAll(docStrings((Message) e.getValue()));
                }
            }
        }
        return out;
    }

    private static Onnx.ModelProto written(Model m) throws Exception {
        return Onnx.ModelProto.parseFrom(ModelWriter.toBytes(m));
    }

    @Test
    void removesEveryDocStringAndMetadataEntry() throws Exception {
        Model m = documented();
        assertThat(docStrings(written(m))).hasSize(12);
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = PASS.run(m, PassOptions.defaults(StripDocsOptions.class), new NoDataContext());
        assertThat(r.changed()).isTrue();
        assertThat(r.statistics()).containsEntry("docs_removed", 12L).containsEntry("metadata_removed", 6L);
        assertThat((Long) r.statistics().get("bytes_saved")).isGreaterThan(100L);
        Onnx.ModelProto p = written(m);
        assertThat(docStrings(p)).isEmpty();
        assertThat(p.getMetadataPropsCount()).isZero();
        assertThat(p.getGraph().getMetadataPropsCount()).isZero();
        assertThat(p.getGraph().getNodeList()).allSatisfy(n -> assertThat(n.getMetadataPropsCount()).isZero());
        assertThat(p.getProducerName()).isEqualTo("pytorch");
        assertThat(p.getProducerVersion()).isEqualTo("1.13");
        before.assertBitIdentical(m);
        assertThat(PASS.run(m, PassOptions.defaults(StripDocsOptions.class), new NoDataContext()).changed()).isFalse();
    }

    @Test
    void keepsListedMetadataKeysAndDropsTheProducerWhenAsked() throws Exception {
        Model m = documented();
        PassResult r = PASS.run(m, PassOptions.of(StripDocsOptions.class,
                Map.of("keep", List.of("license", "not_there"), "keep_producer", false)), new NoDataContext());
        assertThat(r.statistics()).containsEntry("metadata_removed", 5L);
        Onnx.ModelProto p = written(m);
        Map<String, String> md = new LinkedHashMap<>();
        p.getMetadataPropsList().forEach(e -> md.put(e.getKey(), e.getValue()));
        assertThat(md).containsExactly(Map.entry("license", "MIT"));
        assertThat(p.getProducerName()).isEmpty();
        assertThat(p.getProducerVersion()).isEmpty();
    }

    @Test
    void anUndocumentedModelIsUnchanged() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .node("LeakyRelu", List.of("x"), List.of("y"), Map.of("alpha", Attr.of(0.1f)))
                .output("y", DataType.FLOAT, 3).build();
        PassResult r = PASS.run(m, PassOptions.defaults(StripDocsOptions.class), new NoDataContext());
        assertThat(r.changed()).isFalse();
        assertThat(r.statistics()).containsEntry("docs_removed", 0L).containsEntry("bytes_saved", 0L);
    }

    @Test
    void compactNamesShortenInternalNamesButKeepTheInterface() throws Exception {
        Model m = documented();
        OrtEquivalence before = OrtEquivalence.capture(m);
        int size = ModelWriter.toBytes(m).length;
        PassResult r = PASS.run(m, PassOptions.of(StripDocsOptions.class, Map.of("names", StripDocsOptions.Names.compact)),
                new NoDataContext());
        assertThat(r.changed()).isTrue();
        Onnx.ModelProto p = written(m);
        assertThat(p.getGraph().getInputList()).extracting(Onnx.ValueInfoProto::getName).containsExactly("x", "c");
        assertThat(p.getGraph().getOutputList()).extracting(Onnx.ValueInfoProto::getName).containsExactly("y");
        assertThat(p.getGraph().getNodeList()).allSatisfy(n -> assertThat(n.getName()).isEmpty());
        Onnx.NodeProto relu = p.getGraph().getNode(0);
        assertThat(relu.getOutput(0)).isNotEqualTo("r").hasSizeLessThan(3);
        // the branches read the renamed outer value under its new name
        Onnx.GraphProto then = p.getGraph().getNode(1).getAttribute(0).getG();
        assertThat(then.getNode(0).getInput(0)).isEqualTo(relu.getOutput(0));
        assertThat(ModelWriter.toBytes(m).length).isLessThan(size);
        before.assertBitIdentical(m);
    }
}
