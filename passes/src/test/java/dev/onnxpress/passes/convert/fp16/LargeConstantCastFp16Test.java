package dev.onnxpress.passes.convert.fp16;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A large weight read only by an op kept in float32 (Conv has no float16 kernel on ONNX Runtime CPU) is
 * stored float16 behind exactly one Cast, and running the pass again changes nothing (it used to add a
 * second, float32-to-float32 Cast on every run).
 */
class LargeConstantCastFp16Test {
    static Model conv() {
        float[] w = BiasFreeLinearFp16Test.ramp(8 * 16 * 9, 0.1f); // 1,152 weights: above large_constant's 1,024
        return GraphBuilder.model("g").input("x", DataType.FLOAT, 1, 16, 6, 6)
                .initializer("w", Tensor.ofFloats(new long[] {8, 16, 3, 3}, w))
                .node("Conv", List.of("x", "w"), List.of("c"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))
                .node("Relu", List.of("c"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 8, 6, 6).build();
    }

    static Model gemm() {
        float[] w = BiasFreeLinearFp16Test.ramp(16 * 8, 0.1f);
        float[] b = BiasFreeLinearFp16Test.ramp(8, 0.5f);
        return GraphBuilder.model("g").input("x", DataType.FLOAT, 1, 16)
                .initializer("w", Tensor.ofFloats(new long[] {16, 8}, w))
                .initializer("b", Tensor.ofFloats(new long[] {8}, b))
                .node("Gemm", List.of("x", "w", "b"), List.of("y"), Map.of())
                .output("y", DataType.FLOAT, 1, 8).build();
    }

    @Test
    void blockingEveryOpStoresTheConstantsAsFloat16AndComputesInFloat32() {
        Model m = gemm();
        OrtEquivalence before = OrtEquivalence.capture(m);
        ConvertFp16Options o = PassOptions.of(ConvertFp16Options.class, Map.of("block", List.of("*"),
                "min_cast_elements", 8L));
        PassResult r = new ConvertFp16Pass().run(m, o, new NoDataContext());
        assertThat(r.changed()).isTrue();
        Node gemm = m.graph().nodes().stream().filter(n -> n.is("Gemm")).findFirst().orElseThrow();
        // the Gemm itself reads float32: each constant is float16 behind its own Cast to float32
        for (int i = 1; i <= 2; i++) {
            Node cast = gemm.input(i).producer().orElseThrow();
            assertThat(cast.opType()).isEqualTo("Cast");
            assertThat(cast.attrInt("to", 0)).isEqualTo(DataType.FLOAT.code());
            assertThat(m.graph().initializer(cast.input(0)).orElseThrow().dataType()).isEqualTo(DataType.FLOAT16);
        }
        assertThat(m.graph().opHistogram().get("Cast")).isEqualTo(2);
        assertThat(before.maxAbsDifference(m)).isLessThan(0.01);
    }

    @Test
    void oneCastBehindTheWeightAndASecondRunChangesNothing() {
        Model m = conv();
        OrtEquivalence before = OrtEquivalence.capture(m);
        ConvertFp16Options o = PassOptions.defaults(ConvertFp16Options.class);
        assertThat(new ConvertFp16Pass().run(m, o, new NoDataContext()).changed()).isTrue();
        Node conv = m.graph().nodes().stream().filter(n -> n.is("Conv")).findFirst().orElseThrow();
        Node cast = conv.input(1).producer().orElseThrow();
        assertThat(cast.opType()).isEqualTo("Cast");
        assertThat(m.graph().initializer(cast.input(0)).orElseThrow().dataType()).isEqualTo(DataType.FLOAT16);
        assertThat(m.graph().opHistogram().get("Cast")).isEqualTo(1);
        assertThat(before.maxAbsDifference(m)).isLessThan(0.01);
        byte[] once = ModelWriter.toBytes(m);
        PassResult again = new ConvertFp16Pass().run(m, o, new NoDataContext());
        assertThat(again.changed()).isFalse();
        assertThat(ModelWriter.toBytes(m)).isEqualTo(once);
    }
}
