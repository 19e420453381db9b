package dev.onnxpress.scale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The synthetic scale models have the real models' parameter counts, run in ONNX Runtime with finite
 * outputs, and are the same for the same seed (scaled-down variants run; the full-size ones are only
 * counted).
 */
class ScaleModelsTest {
    /** Parameters of Conv, Gemm, MatMul, Add-bias, BN γ/β and LayerNorm weights (BN running stats left out). */
    static long learnable(Model m) {
        long n = 0;
        for (Node node : m.graph().nodes()) {
            int inputs = node.is("BatchNormalization") ? 3 : node.inputs().size();
            for (int i = 1; i < inputs; i++) {
                if (node.input(i).isNone()) {
                    continue;
                }
                var t = m.graph().constantValue(node.input(i));
                if (t.isPresent() && t.get().rank() > 0 && m.graph().initializers().containsKey(node.input(i))
                        && !node.is("Reshape")) {
                    n += t.get().elementCount();
                }
            }
        }
        return n;
    }

    @Test
    void fullSizeParameterCounts() {
        // torchvision's resnet50: 25,557,032 parameters
        assertEquals(25_557_032L, learnable(ScaleModels.resnet50(1, true)));
        // one BERT-base encoder layer (bertBase() has 12 of them): 7,087,872
        assertEquals(7_087_872L, learnable(ScaleModels.encoder(1, true, 1, 768, 12, 3072, 128)));
    }

    @Test
    void smallVariantsRunWithFiniteOutputs() {
        Model resnet = ScaleModels.resnet(7, true, new int[] {1, 1}, 8, 32, 10);
        Model encoder = ScaleModels.encoder(7, true, 2, 64, 4, 128, 16);
        check(resnet, "data", new long[] {2, 3, 32, 32}, new long[] {2, 10});
        check(encoder, "x", new long[] {2, 16, 64}, new long[] {2, 16, 64});
        assertArrayEquals(ModelWriter.toBytes(resnet), ModelWriter.toBytes(ScaleModels.resnet(7, true, new int[] {1, 1}, 8, 32, 10)));
    }

    private static void check(Model m, String input, long[] in, long[] out) {
        try (OrtRunner ort = OrtRunner.open(ModelWriter.toBytes(m))) {
            Tensor y = ort.run(Map.of(input, ScaleModels.normalSample(in, 3))).values().iterator().next();
            assertArrayEquals(out, y.dims());
            double max = 0;
            for (float v : y.toFloatArray()) {
                assertTrue(Float.isFinite(v));
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max > 1e-3 && max < 1e3, "outputs of a sane magnitude: " + max);
        }
    }
}
