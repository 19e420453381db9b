package dev.onnxpress.passes.strip.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StripTrainingNodesPassTest {
    private static final StripTrainingNodesPass PASS = new StripTrainingNodesPass();
    private static final StripTrainingNodesOptions DEFAULTS = new StripTrainingNodesOptions(true);

    private static PassResult run(Model m) {
        return PASS.run(m, DEFAULTS, new NoDataContext());
    }

    /** x → Dropout → d → Relu → y, Dropout built by {@code dropout}. */
    private static GraphBuilder withDropout(long opset, List<String> dropoutInputs, List<String> dropoutOutputs,
            Map<String, Attr> attrs) {
        return GraphBuilder.model("g").opset(opset)
                .input("x", DataType.FLOAT, "batch", 4)
                .initializer("ratio", Tensor.scalarFloat(0.5f))
                .initializer("off", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) 0))
                .initializer("on", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) 1))
                .input("flag", DataType.BOOL)
                .node("Dropout", dropoutInputs, dropoutOutputs, attrs)
                .node("Relu", List.of("d"), List.of("y"));
    }

    private static void assertRemoved(Model m, long opset) {
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m);
        assertThat(r.changed()).as("opset %d", opset).isTrue();
        assertThat(r.statistics().get("nodes_removed")).isEqualTo(1L);
        assertThat(r.skips()).isEmpty();
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Relu");
        before.assertBitIdentical(m);
        assertThat(run(m).changed()).isFalse();
    }

    @Test
    void removesDropoutOfOpsets7To11WithAndWithoutUnreadMask() {
        for (long opset : new long[] {7, 10, 11}) {
            Model m = withDropout(opset, List.of("x"), List.of("d", "mask"), Map.of("ratio", Attr.of(0.3f)))
                    .output("y", DataType.FLOAT, "batch", 4).build();
            assertRemoved(m, opset);
        }
    }

    @Test
    void removesDropoutOfOpset12PlusWhenTrainingModeIsAbsentOrConstantFalse() {
        for (long opset : new long[] {12, 13, 17}) {
            assertRemoved(withDropout(opset, List.of("x"), List.of("d"), Map.of())
                    .output("y", DataType.FLOAT, "batch", 4).build(), opset);
            assertRemoved(withDropout(opset, List.of("x", "ratio"), List.of("d", "mask"), Map.of())
                    .output("y", DataType.FLOAT, "batch", 4).build(), opset);
            assertRemoved(withDropout(opset, List.of("x", "ratio", "off"), List.of("d"), Map.of())
                    .output("y", DataType.FLOAT, "batch", 4).build(), opset);
        }
        // a Constant node holding false counts as well
        Model m = GraphBuilder.model("g").opset(13)
                .input("x", DataType.FLOAT, 4)
                .constant("off", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) 0))
                .node("Dropout", List.of("x", "", "off"), List.of("d"))
                .node("Relu", List.of("d"), List.of("y"))
                .output("y", DataType.FLOAT, 4).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        assertThat(run(m).changed()).isTrue();
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Relu", "Constant");
        before.assertBitIdentical(m);
    }

    @Test
    void opset6DropoutIsRemovedOnlyWithIsTestSet() {
        // ONNX Runtime has no Dropout kernel before opset 7: checked on the graph only
        Model test = withDropout(6, List.of("x"), List.of("d"), Map.of("is_test", Attr.of(1L)))
                .output("y", DataType.FLOAT, "batch", 4).build();
        assertThat(run(test).statistics().get("nodes_removed")).isEqualTo(1L);
        assertThat(test.graph().nodes().get(0).input(0).name()).isEqualTo("x");

        Model training = withDropout(6, List.of("x"), List.of("d"), Map.of())
                .output("y", DataType.FLOAT, "batch", 4).build();
        PassResult r = run(training);
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).extracting(PassResult.Skip::reason)
                .containsExactly("is_test=0: Dropout runs in training mode (opset 6)");
    }

    @Test
    void skipsTrainingModeTrueOrNotConstant() {
        Model on = withDropout(13, List.of("x", "ratio", "on"), List.of("d"), Map.of())
                .output("y", DataType.FLOAT, "batch", 4).build();
        PassResult r = run(on);
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).extracting(PassResult.Skip::reason).containsExactly("training_mode input 'on' is true");

        Model fed = withDropout(13, List.of("x", "ratio", "flag"), List.of("d"), Map.of())
                .output("y", DataType.FLOAT, "batch", 4).build();
        r = run(fed);
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).extracting(PassResult.Skip::reason)
                .containsExactly("training_mode input 'flag' is not a constant");
    }

    @Test
    void skipsWhenTheMaskIsRead() {
        Model m = withDropout(13, List.of("x"), List.of("d", "mask"), Map.of())
                .node("Cast", List.of("mask"), List.of("maskf"), Map.of("to", Attr.of((long) DataType.FLOAT.code())))
                .output("y", DataType.FLOAT, "batch", 4)
                .output("maskf", DataType.FLOAT, "batch", 4).build();
        PassResult r = run(m);
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).singleElement().satisfies(s -> {
            assertThat(s.where()).isEqualTo("Dropout");
            assertThat(s.reason()).isEqualTo("its mask output 'mask' is read");
        });
    }

    @Test
    void dropoutFeedingAGraphOutputKeepsTheOutputName() {
        Model m = GraphBuilder.model("g").opset(13)
                .input("x", DataType.FLOAT, 4)
                .node("Relu", List.of("x"), List.of("r"))
                .node("Dropout", List.of("r"), List.of("y"))
                .output("y", DataType.FLOAT, 4).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        assertThat(run(m).changed()).isTrue();
        assertThat(m.graph().outputs()).extracting(v -> v.name()).containsExactly("y");
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Relu");
        before.assertBitIdentical(m);
    }

    @Test
    void dropoutBetweenGraphInputAndOutputStays() {
        Model m = GraphBuilder.model("g").opset(13)
                .input("x", DataType.FLOAT, 4)
                .node("Dropout", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, 4).build();
        PassResult r = run(m);
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).extracting(PassResult.Skip::reason).containsExactly(
                "its output 'y' is a graph output and its input 'x' is a graph input: both names are part of the interface");
    }

    @Test
    void removesDropoutInsideIfBranches() {
        Model m = GraphBuilder.model("g").opset(13)
                .input("x", DataType.FLOAT, 4)
                .input("c", DataType.BOOL)
                .node("Relu", List.of("x"), List.of("r"))
                .ifNode("c", List.of("y"),
                        t -> t.node("Dropout", List.of("r"), List.of("td")).node("Neg", List.of("td"), List.of("tn"))
                                .output("tn"),
                        e -> e.node("Sigmoid", List.of("r"), List.of("es")).node("Dropout", List.of("es"), List.of("ed"))
                                .output("ed"))
                .output("y", DataType.FLOAT, 4).build();
        for (boolean cond : new boolean[] {true, false}) {
            Model copy = m.copy();
            Map<String, Tensor> feeds = Map.of("x", Tensor.ofFloats(new long[] {4}, -1, 0.5f, 2, -3),
                    "c", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) (cond ? 1 : 0)));
            OrtEquivalence before = OrtEquivalence.capture(copy, feeds);
            PassResult r = run(copy);
            assertThat(r.statistics().get("nodes_removed")).isEqualTo(2L);
            assertThat(copy.graph().allNodes()).noneMatch(n -> n.is("Dropout"));
            before.assertBitIdentical(copy);
        }
    }

    @Test
    void dropsTrainingInfoUnlessAskedNotTo() throws Exception {
        Model built = GraphBuilder.model("g").opset(13)
                .input("x", DataType.FLOAT, 4)
                .node("Relu", List.of("x"), List.of("y"))
                .output("y", DataType.FLOAT, 4).build();
        Onnx.ModelProto proto = Onnx.ModelProto.parseFrom(ModelWriter.toBytes(built)).toBuilder()
                .addTrainingInfo(Onnx.TrainingInfoProto.newBuilder()
                        .setAlgorithm(Onnx.GraphProto.newBuilder().setName("sgd_step")))
                .build();
        Model kept = ModelReader.read(proto.toByteArray(), Optional.empty(), "with-training");
        assertThat(kept.trainingInfoCount()).isEqualTo(1);
        PassResult r = PASS.run(kept, new StripTrainingNodesOptions(false), new NoDataContext());
        assertThat(r.changed()).isFalse();
        assertThat(kept.trainingInfoCount()).isEqualTo(1);

        r = run(kept);
        assertThat(r.changed()).isTrue();
        assertThat(r.statistics().get("training_infos_removed")).isEqualTo(1L);
        assertThat(Onnx.ModelProto.parseFrom(ModelWriter.toBytes(kept)).getTrainingInfoCount()).isZero();
        assertThat(run(kept).changed()).isFalse();
    }
}
