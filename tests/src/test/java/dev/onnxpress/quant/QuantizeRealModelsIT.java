package dev.onnxpress.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.data.DataSet;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.quant.CalibrationMethod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three quantizers on the shared models, verified in ONNX Runtime. int8 is held to the issue's
 * targets (≤ 0.3 point drop on the full 10k test set, ≥ 3.5× smaller); ternary and binary (no
 * retraining) are held to what they reliably give here: they run, store only int8 levels, and ternary
 * stays within 10 points.
 */
class QuantizeRealModelsIT {

    @ParameterizedTest
    @ValueSource(strings = {"mnist_cnn", "lenet5_fashion", "lenet300_fashion", "vgg_bn_fashion"})
    void labelledModels(String name) {
        boolean mnist = name.equals("mnist_cnn");
        byte[] original = QuantBench.read(name);
        DataSet calib = mnist ? DataContext.mnistTest(300) : DataContext.fashionCalibration(512);
        DataSet test = mnist ? DataContext.mnistTest(0) : DataContext.fashionTest(0);
        PassContext ctx = new DataContext("calib", calib, QuantRecipes.folded(original, ProbeContext.of(List.of())), 64);
        double floatAcc = DataContext.accuracy(original, test, OptimizationLevel.ALL);

        QuantRecipes.Quantized q = QuantRecipes.int8(original, ctx, CalibrationMethod.percentile, Optional.empty());
        double int8Acc = DataContext.accuracy(q.bytes(), test, OptimizationLevel.ALL);
        assertTrue(floatAcc - int8Acc <= 0.003, name + ": int8 " + int8Acc + " vs float " + floatAcc);
        assertTrue(original.length >= 3.5 * q.bytes().length, name + ": " + original.length + " → " + q.bytes().length);
        assertTrue(q.model().graph().opHistogram().containsKey("QuantizeLinear"));
        assertNoFloatWeights(q.model());

        DataSet subset = mnist ? DataContext.mnistTest(2000) : DataContext.fashionTest(2000);
        double floatSub = DataContext.accuracy(original, subset, OptimizationLevel.NONE);
        QuantRecipes.Quantized t = QuantRecipes.ternary(original, ctx, true);
        double tAcc = DataContext.accuracy(t.bytes(), subset, OptimizationLevel.ALL);
        assertTrue(floatSub - tAcc <= 0.10, name + ": ternary " + tAcc + " vs float " + floatSub);
        assertLevels(t.model(), 2);
        QuantRecipes.Quantized b = QuantRecipes.binary(original, ctx, true);
        double bAcc = DataContext.accuracy(b.bytes(), subset, OptimizationLevel.ALL);
        assertTrue(bAcc >= 0 && bAcc <= 1, name + ": binary runs (" + bAcc + ")");
        assertLevels(b.model(), 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ppocr_cls_mobile_v2", "yolox_nano"})
    void fidelityModels(String name) {
        boolean ocr = name.startsWith("ppocr");
        String input = ocr ? "x" : "images";
        long[] shape = ocr ? new long[] {1, 3, 48, 192} : new long[] {1, 3, 416, 416};
        double hi = ocr ? 1 : 255;
        double lo = ocr ? -1 : 0;
        List<Map<String, Tensor>> calib = ProbeContext.probes(input, shape, lo, hi, ocr ? 8 : 4, 1);
        List<Map<String, Tensor>> eval = ProbeContext.probes(input, shape, lo, hi, 3, 2);
        byte[] original = QuantBench.read(name);
        QuantRecipes.Quantized q = QuantRecipes.int8(original, ProbeContext.of(calib), CalibrationMethod.percentile,
                Optional.empty());
        double cos = QuantBench.minCosine(original, q.bytes(), eval);
        assertTrue(cos >= (ocr ? 0.99 : 0.85), name + ": int8 cosine " + cos);
        assertTrue(original.length >= 1.9 * q.bytes().length, name + ": " + original.length + " → " + q.bytes().length);
        assertNoFloatWeights(q.model());
        if (ocr) {
            assertTrue(q.result().notes().contains("opset raised from 9 to 13"), q.result().notes().toString());
        }
        QuantRecipes.Quantized t = QuantRecipes.ternary(original, ProbeContext.of(calib), false);
        assertTrue(Double.isFinite(QuantBench.minCosine(original, t.bytes(), eval)));
        assertLevels(t.model(), 2);
    }

    /** Every Conv/Gemm/MatMul weight that was quantized reads a DequantizeLinear of int8 data. */
    private static void assertNoFloatWeights(Model m) {
        int dq = 0;
        for (Node n : m.graph().nodes()) {
            if ((n.is("Conv") || n.is("Gemm")) && n.input(1).producer().map(p -> p.is("DequantizeLinear")).orElse(false)) {
                Tensor w = m.graph().constantValue(n.input(1).producer().get().input(0)).orElseThrow();
                assertEquals(DataType.INT8, w.dataType());
                dq++;
            } else if (n.is("Conv") || n.is("Gemm")) {
                assertFalse(m.graph().isConstant(n.input(1)), n.label() + " still has a float weight");
            }
        }
        assertTrue(dq > 0);
    }

    /** Quantized weights hold only levels within ±maxLevel... and binary ones are never 0. */
    private static void assertLevels(Model m, int distinct) {
        int layers = 0;
        for (Node n : m.graph().nodes()) {
            if (n.is("DequantizeLinear")) {
                Tensor q = m.graph().constantValue(n.input(0)).orElseThrow();
                for (byte v : q.rawBytes()) {
                    assertTrue(v == -1 || v == 1 || (distinct == 2 && v == 0), "level " + v);
                }
                layers++;
            }
        }
        assertTrue(layers > 0);
    }
}
