package dev.onnxpress.passes.convert.opset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ConvertOpsetPassTest {
    private static final ConvertOpsetPass PASS = new ConvertOpsetPass();

    private static void convert(Model m, int target) {
        PASS.run(m, new ConvertOpsetOptions(target), new NoDataContext());
        assertThat(m.defaultOpset()).isEqualTo(target);
    }

    private static Model oneInput(long opset, long[] dims, Consumer<GraphBuilder> body) {
        GraphBuilder b = GraphBuilder.model("g").opset(opset).input("x", DataType.FLOAT, box(dims));
        body.accept(b);
        return b.output("y").build();
    }

    private static Object[] box(long[] dims) {
        Object[] o = new Object[dims.length];
        for (int i = 0; i < dims.length; i++) {
            o[i] = dims[i];
        }
        return o;
    }

    private static Node only(Model m, String op) {
        return m.graph().allNodes().stream().filter(n -> n.is(op)).findFirst().orElseThrow(
                () -> new AssertionError("no " + op + " in " + m.graph().opHistogram()));
    }

    /** from → to → from, outputs within round-off at each step; returns the model at {@code to} for checks. */
    private static void roundTrip(Model m, int to, Consumer<Model> atTarget, Consumer<Model> back) {
        int from = (int) m.defaultOpset();
        OrtEquivalence ref = OrtEquivalence.capture(m);
        convert(m, to);
        ref.assertWithin(m, 1e-5);
        atTarget.accept(m);
        convert(m, from);
        ref.assertWithin(m, 1e-5);
        back.accept(m);
    }

    @Test
    void clipAttributesBecomeInputsAndBack() {
        Model m = oneInput(9, new long[] {2, 5}, b -> b.node("Clip", List.of("x"), List.of("y"),
                Map.of("min", Attr.of(-0.2f), "max", Attr.of(0.3f))));
        roundTrip(m, 13, t -> assertThat(only(t, "Clip").inputCount()).isEqualTo(3),
                b -> assertThat(only(b, "Clip").attrs()).containsKeys("min", "max"));
    }

    @Test
    void padAttributesBecomeInputsAndBack() {
        Model m = oneInput(9, new long[] {1, 2, 3}, b -> b.node("Pad", List.of("x"), List.of("y"),
                Map.of("pads", Attr.ofInts(0, 1, 2, 0, 0, 1), "value", Attr.of(1.5f))));
        roundTrip(m, 18, t -> assertThat(only(t, "Pad").inputCount()).isEqualTo(3),
                b -> assertThat(only(b, "Pad").attrs()).containsKeys("pads", "value"));
    }

    @Test
    void squeezeUnsqueezeAndReducesMoveAxesToInputs() {
        Model m = oneInput(11, new long[] {2, 1, 3}, b -> b
                .node("Squeeze", List.of("x"), List.of("s"), Map.of("axes", Attr.ofInts(1)))
                .node("Unsqueeze", List.of("s"), List.of("u"), Map.of("axes", Attr.ofInts(0)))
                .node("ReduceSum", List.of("u"), List.of("r"), Map.of("axes", Attr.ofInts(2), "keepdims", Attr.of(1L)))
                .node("ReduceMean", List.of("r"), List.of("y"), Map.of("axes", Attr.ofInts(-1))));
        roundTrip(m, 18, t -> {
            assertThat(only(t, "Squeeze").inputCount()).isEqualTo(2);
            assertThat(only(t, "ReduceMean").inputCount()).isEqualTo(2);
            assertThat(only(t, "ReduceSum").attr("axes")).isEmpty();
        }, b -> assertThat(only(b, "ReduceMean").attr("axes")).isPresent());
        Model m13 = oneInput(11, new long[] {2, 3}, b -> b.node("ReduceMean", List.of("x"), List.of("y"),
                Map.of("axes", Attr.ofInts(1))));
        roundTrip(m13, 13, t -> assertThat(only(t, "ReduceMean").attr("axes")).isPresent(), b -> { });
    }

    @Test
    void splitSizesAndNumOutputs() {
        Model sized = GraphBuilder.model("g").opset(11).input("x", DataType.FLOAT, 2, 6)
                .node("Split", List.of("x"), List.of("a", "b"), Map.of("axis", Attr.of(1L), "split", Attr.ofInts(2, 4)))
                .node("Concat", List.of("b", "a"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .output("y").build();
        roundTrip(sized, 18, t -> assertThat(only(t, "Split").inputCount()).isEqualTo(2),
                b -> assertThat(only(b, "Split").attr("split")).isPresent());
        Model equal = GraphBuilder.model("g").opset(11).input("x", DataType.FLOAT, 2, 6)
                .node("Split", List.of("x"), List.of("a", "b", "c"), Map.of("axis", Attr.of(1L)))
                .node("Concat", List.of("c", "a", "b"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .output("y").build();
        roundTrip(equal, 18, t -> assertThat(only(t, "Split").attrInt("num_outputs", 0)).isEqualTo(3),
                b -> assertThat(only(b, "Split").attr("num_outputs")).isEmpty());
    }

    @Test
    void sliceTopKDropoutBatchNorm() {
        Model slice = oneInput(9, new long[] {4, 6}, b -> b.node("Slice", List.of("x"), List.of("y"),
                Map.of("starts", Attr.ofInts(1, 0), "ends", Attr.ofInts(3, 5), "axes", Attr.ofInts(0, 1))));
        roundTrip(slice, 11, t -> assertThat(only(t, "Slice").inputCount()).isEqualTo(4),
                b -> assertThat(only(b, "Slice").attrs()).containsKeys("starts", "ends", "axes"));
        Model topk = GraphBuilder.model("g").opset(9).input("x", DataType.FLOAT, 3, 7)
                .node("TopK", List.of("x"), List.of("y", "i"), Map.of("k", Attr.of(2L)))
                .output("y").output("i").build();
        roundTrip(topk, 11, t -> assertThat(only(t, "TopK").inputCount()).isEqualTo(2),
                b -> assertThat(only(b, "TopK").attrInt("k", 0)).isEqualTo(2));
        Model drop = oneInput(10, new long[] {3}, b -> b.node("Dropout", List.of("x"), List.of("y"),
                Map.of("ratio", Attr.of(0.3f))));
        roundTrip(drop, 13, t -> assertThat(only(t, "Dropout").inputCount()).isEqualTo(2),
                b -> assertThat(only(b, "Dropout").attrFloat("ratio", 0)).isEqualTo(0.3f));
        Model bn = GraphBuilder.model("g").opset(7).input("x", DataType.FLOAT, 1, 2, 3)
                .initializer("s", Tensor.ofFloats(new long[] {2}, 1.5f, 0.5f))
                .initializer("b", Tensor.ofFloats(new long[] {2}, 0.1f, -0.2f))
                .initializer("mu", Tensor.ofFloats(new long[] {2}, 0.3f, 0.0f))
                .initializer("var", Tensor.ofFloats(new long[] {2}, 2f, 0.5f))
                .node("BatchNormalization", List.of("x", "s", "b", "mu", "var"), List.of("y"),
                        Map.of("spatial", Attr.of(1L)))
                .output("y").build();
        roundTrip(bn, 15, t -> assertThat(only(t, "BatchNormalization").attr("spatial")).isEmpty(), b -> { });
        assertThat(bn.irVersion()).isEqualTo(3);
        assertThat(bn.graph().inputs()).hasSize(5); // IR 3 lists initializers as inputs
    }

    @Test
    void softmaxAxisSemantics() {
        // opset 11 axis=1 on rank 3 normalizes over dims 1 and 2 together
        Model m = oneInput(11, new long[] {2, 3, 4}, b -> b.node("Softmax", List.of("x"), List.of("y"),
                Map.of("axis", Attr.of(1L))));
        roundTrip(m, 13, t -> assertThat(t.graph().opHistogram()).containsKeys("Flatten", "Reshape"), b -> { });
        // opset 13 axis=1 on rank 3 normalizes dim 1 alone: a Transpose pair before 13
        Model m13 = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 3, 4)
                .node("LogSoftmax", List.of("x"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .output("y", DataType.FLOAT, 2, 3, 4).build();
        roundTrip(m13, 11, t -> assertThat(t.graph().opHistogram()).containsEntry("Transpose", 2), b -> { });
    }

    @Test
    void softmaxOfUnknownRankCannotGoDown() {
        Model m = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 3, 4)
                .input("shape", DataType.INT64, "k")
                .node("Reshape", List.of("x", "shape"), List.of("r"))
                .node("Softmax", List.of("r"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .output("y").build();
        assertThatThrownBy(() -> convert(m, 11)).isInstanceOf(PassException.class)
                .hasMessageContaining("Softmax").hasMessageContaining("rank is unknown");
        assertThat(m.defaultOpset()).isEqualTo(13); // untouched
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Reshape", "Softmax");
        // a rank that shape inference finds (through the Relu) is enough
        Model inferred = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 3, 4)
                .node("Relu", List.of("x"), List.of("r"))
                .node("Softmax", List.of("r"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .output("y").build();
        OrtEquivalence ref = OrtEquivalence.capture(inferred);
        convert(inferred, 11);
        ref.assertWithin(inferred, 1e-6);
    }

    @Test
    void upsampleBecomesResizeAndBack() {
        Model m = oneInput(7, new long[] {1, 1, 2, 3}, b -> b.node("Upsample", List.of("x"), List.of("y"),
                Map.of("scales", Attr.ofFloats(1, 1, 2, 2), "mode", Attr.of("nearest"))));
        roundTrip(m, 13, t -> assertThat(only(t, "Resize").attrString("coordinate_transformation_mode", ""))
                .isEqualTo("asymmetric"), b -> assertThat(only(b, "Upsample").attr("scales")).isPresent());
        Model r = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 1, 1, 2, 3)
                .initializer("sc", Tensor.ofFloats(new long[] {4}, 1, 1, 2, 3))
                .node("Resize", List.of("x", "", "sc"), List.of("y"), Map.of("mode", Attr.of("nearest")))
                .output("y").build();
        roundTrip(r, 9, t -> assertThat(only(t, "Upsample").inputCount()).isEqualTo(2), b -> { });
        roundTrip(r, 10, t -> assertThat(only(t, "Resize").inputCount()).isEqualTo(2), b -> { });
        Model lin = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 1, 1, 2, 3)
                .initializer("sc", Tensor.ofFloats(new long[] {4}, 1, 1, 2, 2))
                .node("Resize", List.of("x", "", "sc"), List.of("y"), Map.of("mode", Attr.of("linear")))
                .output("y").build();
        assertThatThrownBy(() -> convert(lin, 10)).isInstanceOf(PassException.class)
                .hasMessageContaining("coordinate_transformation_mode=half_pixel").hasMessageContaining("Resize");
    }

    @Test
    void scatterAndNewerOps() {
        Model m = GraphBuilder.model("g").opset(9).input("x", DataType.FLOAT, 2, 3)
                .initializer("idx", Tensor.ofLongs(new long[] {1, 2}, 2, 0))
                .initializer("upd", Tensor.ofFloats(new long[] {1, 2}, 7, 8))
                .node("Scatter", List.of("x", "idx", "upd"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .output("y").build();
        roundTrip(m, 16, t -> only(t, "ScatterElements"), b -> only(b, "Scatter"));
        Model gelu = oneInput(20, new long[] {5}, b -> b.node("Gelu", List.of("x"), List.of("y")));
        OrtEquivalence ref = OrtEquivalence.capture(gelu);
        convert(gelu, 13);
        ref.assertWithin(gelu, 1e-5);
        assertThat(gelu.graph().opHistogram()).containsKey("Erf").doesNotContainKey("Gelu");
        Model ge = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 4).input("z", DataType.FLOAT, 4)
                .node("GreaterOrEqual", List.of("x", "z"), List.of("y")).output("y").build();
        OrtEquivalence gref = OrtEquivalence.capture(ge);
        convert(ge, 11);
        gref.assertBitIdentical(ge);
        Model trilu = GraphBuilder.model("g").opset(14).input("x", DataType.FLOAT, 4, 4)
                .node("Trilu", List.of("x"), List.of("y")).output("y").build();
        assertThatThrownBy(() -> convert(trilu, 13)).isInstanceOf(PassException.class)
                .hasMessage("convert_opset: node 'Trilu' (Trilu): Trilu does not exist before opset 14; cannot"
                        + " convert from opset 14 to 13");
    }

    @Test
    void downgradeNeedsConstantInputs() {
        Model m = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 4).input("lo", DataType.FLOAT)
                .node("Clip", List.of("x", "lo"), List.of("y")).output("y").build();
        assertThatThrownBy(() -> convert(m, 9)).isInstanceOf(PassException.class)
                .hasMessageContaining("input 'lo' is not a constant").hasMessageContaining("attribute 'min'");
    }

    @Test
    void newestOpsetIsTheNewestOrtLoads() {
        Model ok = oneInput(ConvertOpsetPass.NEWEST, new long[] {2}, b -> b.node("Relu", List.of("x"), List.of("y")));
        try (OrtRunner r = OrtRunner.open(ModelWriter.toBytes(ok))) {
            assertThat(r.inputs()).hasSize(1);
        }
        Model next = oneInput(ConvertOpsetPass.NEWEST + 1, new long[] {2}, b -> b.node("Relu", List.of("x"), List.of("y")));
        assertThatThrownBy(() -> OrtRunner.open(ModelWriter.toBytes(next))).isInstanceOf(UserException.class)
                .hasMessageContaining("under development");
        Model m = oneInput(9, new long[] {2}, b -> b.node("Relu", List.of("x"), List.of("y")));
        assertThatThrownBy(() -> convert(m, ConvertOpsetPass.NEWEST + 1)).isInstanceOf(PassException.class)
                .hasMessageContaining("outside 7..26");
    }
}
