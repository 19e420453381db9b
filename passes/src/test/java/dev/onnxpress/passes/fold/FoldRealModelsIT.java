package dev.onnxpress.passes.fold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ort.TensorProtos;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormOptions;
import dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPass;
import dev.onnxpress.passes.fold.constants.FoldConstantsOptions;
import dev.onnxpress.passes.fold.constants.FoldConstantsPass;
import dev.onnxpress.passes.fold.scalebias.FuseScaleBiasOptions;
import dev.onnxpress.passes.fold.scalebias.FuseScaleBiasPass;
import dev.onnxpress.testing.OrtEquivalence;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The three fold passes on the shared models: every BatchNormalization next to a fold target is
 * gone, and outputs stay within 1e-4 of the output scale in ONNX Runtime.
 */
class FoldRealModelsIT {
    private static final Set<String> TARGETS = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

    record Folded(Model model, PassResult bn, PassResult constants, PassResult scaleBias) {
    }

    static Folded foldAll(Model m) {
        NoDataContext ctx = new NoDataContext();
        PassResult bn = new FoldBatchNormPass().run(m, PassOptions.defaults(FoldBatchNormOptions.class), ctx);
        PassResult c = new FoldConstantsPass().run(m, PassOptions.defaults(FoldConstantsOptions.class), ctx);
        PassResult sb = new FuseScaleBiasPass().run(m, new FuseScaleBiasOptions(), ctx);
        return new Folded(m, bn, c, sb);
    }

    /** A BN left over must have no fold target on either side. */
    static void assertNoFoldableBatchNormLeft(Folded f) {
        for (Node n : f.model().graph().allNodes()) {
            if (!n.is("BatchNormalization")) {
                continue;
            }
            Node before = n.input(0).producer().orElse(null);
            boolean after = n.output().consumers().stream().anyMatch(c -> c.is("Conv"));
            assertTrue((before == null || !TARGETS.contains(before.opType())) && !after,
                    n.label() + " is left after " + (before == null ? "nothing" : before.opType()) + ": "
                            + f.bn().skips());
        }
    }

    static Folded check(String name, Map<String, Tensor> feeds, int expectedFolded) {
        return check(name, feeds, expectedFolded, 0);
    }

    /** {@code minScale}: the output's natural range when random inputs leave it near zero (probabilities). */
    static Folded check(String name, Map<String, Tensor> feeds, int expectedFolded, double minScale) {
        Model m = ModelReader.read(SharedFiles.model(name));
        long bnBefore = FoldFixtures.count(m, "BatchNormalization");
        OrtEquivalence before = OrtEquivalence.capture(m, feeds);
        Folded f = foldAll(m);
        assertNoFoldableBatchNormLeft(f);
        assertEquals((long) expectedFolded, f.bn().statistics().get("batchnorms_folded"), f.bn().skips().toString());
        assertEquals(bnBefore - expectedFolded, FoldFixtures.count(m, "BatchNormalization"));
        double scale = 0;
        for (Tensor t : before.reference().values()) {
            for (double d : t.toDoubleArray()) {
                scale = Math.max(scale, Math.abs(d));
            }
        }
        double err = before.maxAbsDifference(m) / Math.max(scale, minScale);
        assertTrue(err <= 1e-4, name + ": relative error " + err);
        for (Node n : m.graph().allNodes()) {
            assertTrue(n.isStandard(), "non-standard op " + n.label());
        }
        return f;
    }

    @Test
    void ultraface() {
        Path data = SharedFiles.modelDir("ultraface_rfb640").resolve("test_data_set_0");
        Tensor input = TensorProtos.read(data.resolve("input_0.pb"));
        Folded f = check("ultraface_rfb640", Map.of("input", input), 35);
        // and against the model's own reference outputs
        Map<String, Tensor> out = OrtEquivalence.run(f.model(), Map.of("input", input));
        String[] names = {"scores", "boxes"};
        for (int i = 0; i < 2; i++) {
            float[] want = TensorProtos.read(data.resolve("output_" + i + ".pb")).toFloatArray();
            float[] got = out.get(names[i]).toFloatArray();
            double max = 0;
            double scale = 0;
            for (int k = 0; k < want.length; k++) {
                max = Math.max(max, Math.abs(want[k] - got[k]));
                scale = Math.max(scale, Math.abs(want[k]));
            }
            assertTrue(max <= 1e-4 * scale, names[i] + ": max error " + max + " for scale " + scale);
        }
    }

    @Test
    void ppocrClassifierWithWeightsInConstantNodes() {
        Folded f = check("ppocr_cls_mobile_v2", Map.of("x", FoldFixtures.random(1, 1, 3, 48, 192)), 35);
        assertEquals(0, FoldFixtures.count(f.model(), "Constant"), "main-graph constants become initializers");
    }

    @Test
    void ppocrDetector() {
        // a text probability map: random pixels hold no text (outputs ~1e-7), so the scale is [0, 1]
        check("ppocrv4_det", Map.of("x", FoldFixtures.random(2, 1, 3, 96, 128)), 3, 1.0);
    }

    @Test
    void ppocrRecognizer() {
        check("ppocrv4_rec", Map.of("x", FoldFixtures.random(3, 1, 3, 48, 160)), 6);
    }

    @Test
    void vggBn() {
        check("vgg_bn_fashion", Map.of("input", FoldFixtures.random(4, 4, 1, 28, 28)), 6);
    }

    @Test
    void modelsWithoutBatchNormOnlyLoseConstants() {
        for (String name : new String[] {"yolox_nano", "lenet5_fashion", "mnist_cnn"}) {
            Model m = ModelReader.read(SharedFiles.model(name));
            Value in = m.graph().realInputs().get(0);
            long[] dims = in.tensorType().orElseThrow().knownDims().orElseThrow();
            for (int i = 0; i < dims.length; i++) {
                dims[i] = dims[i] < 0 ? 1 : dims[i];
            }
            OrtEquivalence before = OrtEquivalence.capture(m, Map.of(in.name(), FoldFixtures.random(5, dims)));
            foldAll(m);
            assertTrue(FoldFixtures.relativeError(before, m) <= 1e-4, name);
        }
    }
}
