package dev.onnxpress.passes.convert.opset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attributes an op gained after opset 7 are dropped going below that opset when they hold their default
 * and refused by name otherwise (Reshape's allowzero, the reductions' noop_with_empty_axes, TopK's
 * largest/sorted, BatchNormalization's training_mode, the recurrent ops' layout); models at opsets 1–6
 * are brought up to their opset-7 forms (consumed_inputs and is_test dropped, legacy broadcasting made
 * numpy broadcasting, Concat's old default axis, Reshape's shape attribute, Cast's type names).
 */
class OpsetAttributeAuditTest {
    private static final ConvertOpsetPass PASS = new ConvertOpsetPass();

    private static PassResult convert(Model m, int target) {
        PassResult r = PASS.run(m, new ConvertOpsetOptions(target), new NoDataContext());
        assertThat(m.defaultOpset()).isEqualTo(target);
        return r;
    }

    private static Node only(Model m, String op) {
        return m.graph().allNodes().stream().filter(n -> n.is(op)).findFirst().orElseThrow();
    }

    /** A blazeface-style Reshape at opset 17 with allowzero=0 written out. */
    static Model reshape(long allowzero) {
        return GraphBuilder.model("g").opset(17).input("x", DataType.FLOAT, 1, 2, 3, 4)
                .initializer("shape", Tensor.ofLongs(new long[] {3}, 1, 6, 4))
                .node("Reshape", List.of("x", "shape"), List.of("r"), Map.of("allowzero", Attr.of(allowzero)))
                .node("Relu", List.of("r"), List.of("y")).output("y", DataType.FLOAT, 1, 6, 4).build();
    }

    @Test
    void reshapeAllowzeroZeroIsDroppedGoingBelow14AndOrtRunsTheResult() {
        for (int target : new int[] {13, 11, 7}) {
            Model m = reshape(0);
            OrtEquivalence ref = OrtEquivalence.capture(m);
            convert(m, target);
            assertThat(only(m, "Reshape").attr("allowzero")).as("opset %d", target).isEmpty();
            ref.assertWithin(m, 0); // ONNX Runtime loads it at the target opset and the outputs are the same
        }
    }

    @Test
    void reshapeAllowzeroOneIsRefusedWithAClearMessageAndTheModelUntouched() {
        Model m = reshape(1);
        assertThatThrownBy(() -> PASS.run(m, new ConvertOpsetOptions(13), new NoDataContext()))
                .isInstanceOf(PassException.class)
                .hasMessageContaining("allowzero=1").hasMessageContaining("opset 13").hasMessageNotContaining("\n");
        assertThat(m.defaultOpset()).isEqualTo(17);
        assertThat(only(m, "Reshape").attrInt("allowzero", -1)).isEqualTo(1);
    }

    @Test
    void laterAttributesHoldingTheirDefaultsAreDropped() {
        Model m = GraphBuilder.model("g").opset(18).input("x", DataType.FLOAT, 2, 5)
                .initializer("axes", Tensor.ofLongs(new long[] {1}, 1))
                .initializer("k", Tensor.ofLongs(new long[] {1}, 2))
                .node("ReduceMax", List.of("x", "axes"), List.of("m"), Map.of("noop_with_empty_axes", Attr.of(0L),
                        "keepdims", Attr.of(1L)))
                .node("TopK", List.of("x", "k"), List.of("v", "i"), Map.of("largest", Attr.of(1L), "sorted", Attr.of(1L)))
                .node("Add", List.of("v", "m"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 2).build();
        OrtEquivalence ref = OrtEquivalence.capture(m);
        convert(m, 10);
        assertThat(only(m, "ReduceMax").attr("noop_with_empty_axes")).isEmpty();
        assertThat(only(m, "TopK").attrs()).doesNotContainKeys("largest", "sorted");
        ref.assertWithin(m, 0);
    }

    @Test
    void smallestTopKIsRefusedBelow11() {
        Model m = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 5)
                .initializer("k", Tensor.ofLongs(new long[] {1}, 2))
                .node("TopK", List.of("x", "k"), List.of("y", "i"), Map.of("largest", Attr.of(0L)))
                .output("y", DataType.FLOAT, 2, 2).build();
        assertThatThrownBy(() -> PASS.run(m, new ConvertOpsetOptions(10), new NoDataContext()))
                .isInstanceOf(PassException.class).hasMessageContaining("largest=0");
    }

    /** Opset 3: Add with legacy broadcast at axis 1 (consumed_inputs too), Relu, Reshape by attribute, Concat without axis, Cast by name. */
    static Model opset3() {
        return GraphBuilder.model("g").opset(3).irVersion(3).input("x", DataType.FLOAT, 2, 3, 2)
                .initializer("b", Tensor.ofFloats(new long[] {3}, 10, 20, 30))
                .node("Add", List.of("x", "b"), List.of("s"), Map.of("broadcast", Attr.of(1L), "axis", Attr.of(1L),
                        "consumed_inputs", Attr.ofInts(0, 0)))
                .node("Relu", List.of("s"), List.of("r"), Map.of("consumed_inputs", Attr.ofInts(0)))
                .node("Reshape", List.of("r"), List.of("f"), Map.of("shape", Attr.ofInts(2, 6)))
                .node("Concat", List.of("f", "f"), List.of("c"))
                .node("Cast", List.of("c"), List.of("y"), Map.of("to", Attr.of("DOUBLE")))
                .output("y", DataType.DOUBLE, 2, 12).build();
    }

    @Test
    void opset3ModelIsConvertedUpAndComputesTheLegacySemantics() {
        Model m = opset3();
        convert(m, 13);
        assertThat(only(m, "Add").attrs()).isEmpty();
        assertThat(only(m, "Relu").attrs()).isEmpty();
        assertThat(only(m, "Concat").attrInt("axis", -1)).isEqualTo(1);
        assertThat(only(m, "Cast").attrInt("to", -1)).isEqualTo(DataType.DOUBLE.code());
        float[] x = new float[12];
        for (int i = 0; i < x.length; i++) {
            x[i] = i - 5;
        }
        Tensor out = OrtEquivalence.run(m, Map.of("x", Tensor.ofFloats(new long[] {2, 3, 2}, x))).get("y");
        assertThat(out.dims()).containsExactly(2, 12);
        double[] y = out.toDoubleArray();
        // legacy broadcast: b[c] is added along axis 1 (the 3), then Relu, then [2, 6] concatenated with itself
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int w = 0; w < 2; w++) {
                    double expect = Math.max(0, x[n * 6 + c * 2 + w] + 10 * (c + 1));
                    assertThat(y[n * 12 + c * 2 + w]).isCloseTo(expect, within(1e-6));
                    assertThat(y[n * 12 + 6 + c * 2 + w]).isCloseTo(expect, within(1e-6));
                }
            }
        }
    }

    @Test
    void opset6BatchNormAndDropoutLoseIsTestAndRunAsInference() {
        Model m = GraphBuilder.model("g").opset(6).irVersion(3).input("x", DataType.FLOAT, 1, 2, 2, 2)
                .initializer("scale", Tensor.ofFloats(new long[] {2}, 2, 0.5f))
                .initializer("bias", Tensor.ofFloats(new long[] {2}, 1, -1))
                .initializer("mean", Tensor.ofFloats(new long[] {2}, 0.5f, 1))
                .initializer("var", Tensor.ofFloats(new long[] {2}, 4, 0.25f))
                .node("BatchNormalization", List.of("x", "scale", "bias", "mean", "var"), List.of("bn"),
                        Map.of("is_test", Attr.of(1L), "spatial", Attr.of(1L), "epsilon", Attr.of(0f),
                                "consumed_inputs", Attr.ofInts(0, 0, 0, 1, 1)))
                .node("Dropout", List.of("bn"), List.of("y"), Map.of("is_test", Attr.of(1L), "ratio", Attr.of(0.3f)))
                .output("y", DataType.FLOAT, 1, 2, 2, 2).build();
        convert(m, 13);
        assertThat(only(m, "BatchNormalization").attrs()).doesNotContainKeys("is_test", "spatial", "consumed_inputs");
        assertThat(only(m, "Dropout").attrs()).doesNotContainKeys("is_test", "ratio");
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] y = OrtEquivalence.run(m, Map.of("x", Tensor.ofFloats(new long[] {1, 2, 2, 2}, x))).get("y").toFloatArray();
        for (int i = 0; i < 8; i++) {
            int c = i / 4;
            double expect = c == 0 ? 2 * (x[i] - 0.5) / 2 + 1 : 0.5 * (x[i] - 1) / 0.5 - 1;
            assertThat((double) y[i]).isCloseTo(expect, within(1e-5));
        }
    }

    @Test
    void legacyBroadcastOnANonConstantMisalignedInputIsRefused() {
        Model m = GraphBuilder.model("g").opset(6).irVersion(3).input("x", DataType.FLOAT, 2, 3, 2)
                .input("b", DataType.FLOAT, 3)
                .node("Mul", List.of("x", "b"), List.of("y"), Map.of("broadcast", Attr.of(1L), "axis", Attr.of(1L)))
                .output("y", DataType.FLOAT, 2, 3, 2).build();
        assertThatThrownBy(() -> PASS.run(m, new ConvertOpsetOptions(9), new NoDataContext()))
                .isInstanceOf(PassException.class).hasMessageContaining("broadcast").hasMessageContaining("not a constant");
        assertThat(m.defaultOpset()).isEqualTo(6);
    }

    @Test
    void aTargetBelowSevenIsStillRefused() {
        Model m = opset3();
        assertThatThrownBy(() -> PASS.run(m, new ConvertOpsetOptions(6), new NoDataContext()))
                .isInstanceOf(PassException.class).hasMessageContaining("outside 7..");
    }
}
