package dev.onnxpress.passes.convert.standard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StripToStandardOpsPassTest {
    private static final StripToStandardOpsPass PASS = new StripToStandardOpsPass();

    private static float[] ramp(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) Math.cos(i * 0.7) * 0.4f;
        }
        return f;
    }

    @Test
    void ortsOwnFusedConvFromItsExtendedOptimizationBecomesConvAndRelu(@TempDir Path dir) {
        Model std = GraphBuilder.model("g").input("x", DataType.FLOAT, 1, 2, 5, 5)
                .initializer("w", Tensor.ofFloats(new long[] {3, 2, 3, 3}, ramp(54)))
                .initializer("b", Tensor.ofFloats(new long[] {3}, 0.1f, -0.1f, 0.2f))
                .node("Conv", List.of("x", "w", "b"), List.of("c"))
                .node("Relu", List.of("c"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 3, 3, 3).build();
        OrtEquivalence ref = OrtEquivalence.capture(std);
        Path fused = dir.resolve("fused.onnx");
        try (OrtRunner r = OrtRunner.open(ModelWriter.toBytes(std),
                OrtRunner.Options.defaults().withOptimization(OptimizationLevel.EXTENDED).withOptimizedModelPath(fused))) {
            r.inputs();
        }
        Model m = dev.onnxpress.ir.ModelReader.read(fused);
        assertThat(m.graph().opHistogram()).containsKey("com.microsoft.FusedConv");
        assertThat(PASS.run(m, new StripToStandardOpsOptions(true), new NoDataContext()).changed()).isTrue();
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Conv", "Relu");
        ref.assertWithin(m, 1e-6);
    }

    @Test
    void fusedGemmAndGelus() {
        Model m = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 4)
                .initializer("w", Tensor.ofFloats(new long[] {4, 3}, ramp(12)))
                .initializer("bias", Tensor.ofFloats(new long[] {3}, 0.5f, -1, 0))
                .customNode("com.microsoft", "FusedGemm", List.of("x", "w", "bias"), List.of("g"),
                        Map.of("activation", Attr.of("LeakyRelu"), "activation_alpha", Attr.of(0.2f)))
                .customNode("com.microsoft", "Gelu", List.of("g"), List.of("e"), Map.of())
                .customNode("com.microsoft", "FastGelu", List.of("e"), List.of("y"), Map.of())
                .output("y", DataType.FLOAT, 2, 3).build();
        OrtEquivalence ref = OrtEquivalence.capture(m);
        PASS.run(m, new StripToStandardOpsOptions(true), new NoDataContext());
        assertThat(m.graph().allNodes()).allMatch(n -> n.isStandard());
        assertThat(m.graph().outputs().get(0).name()).isEqualTo("y");
        ref.assertWithin(m, 1e-5);
    }

    @Test
    void unknownCustomOpFailsNamingNodeAndDomain() {
        Model m = GraphBuilder.model("g").input("x", DataType.FLOAT, 2)
                .node("Relu", List.of("x"), List.of("r"))
                .customNode("com.example", "Frobnicate", List.of("r"), List.of("y"), Map.of())
                .output("y", DataType.FLOAT, 2).build();
        assertThatThrownBy(() -> PASS.run(m, new StripToStandardOpsOptions(true), new NoDataContext()))
                .isInstanceOf(PassException.class).hasMessage("strip_to_standard_ops: node 'Frobnicate' is"
                        + " com.example.Frobnicate, a non-standard op other runtimes cannot run, and it has no"
                        + " standard equivalent here");
    }
}
