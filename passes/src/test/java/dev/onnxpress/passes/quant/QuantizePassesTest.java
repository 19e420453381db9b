package dev.onnxpress.passes.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.FixedSamplesContext;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.quant.binary.QuantizeBinaryOptions;
import dev.onnxpress.passes.quant.binary.QuantizeBinaryPass;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Options;
import dev.onnxpress.passes.quant.int8.QuantizeInt8Pass;
import dev.onnxpress.passes.quant.ternary.QuantizeTernaryOptions;
import dev.onnxpress.passes.quant.ternary.QuantizeTernaryPass;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantizePassesTest {
    private static final DataRef CALIB = new DataRef("calib");

    /** x[2,3,8,8] → Conv → Relu → MaxPool → Conv → Relu → GlobalAveragePool → Flatten → Gemm(transB=0) → y[2,5]. */
    static Model tiny(long opset) {
        Random r = new Random(11);
        return GraphBuilder.model("tiny").opset(opset)
                .input("x", DataType.FLOAT, 2, 3, 8, 8)
                .initializer("w1", random(r, 4, 3, 3, 3)).initializer("b1", random(r, 4))
                .initializer("w2", random(r, 6, 4, 3, 3)).initializer("b2", random(r, 6))
                .initializer("w3", random(r, 6, 5)).initializer("b3", random(r, 5))
                .node("Conv", List.of("x", "w1", "b1"), List.of("c1"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))
                .node("Relu", List.of("c1"), List.of("r1"))
                .node("MaxPool", List.of("r1"), List.of("p1"), Map.of("kernel_shape", Attr.ofInts(2, 2),
                        "strides", Attr.ofInts(2, 2)))
                .node("Conv", List.of("p1", "w2", "b2"), List.of("c2"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))
                .node("Relu", List.of("c2"), List.of("r2"))
                .node("GlobalAveragePool", List.of("r2"), List.of("g"))
                .node("Flatten", List.of("g"), List.of("f"))
                .node("Gemm", List.of("f", "w3", "b3"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 5)
                .build();
    }

    static Tensor random(Random r, long... dims) {
        float[] v = new float[(int) Tensor.elementCount(dims)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian() * 0.5f;
        }
        return Tensor.ofFloats(dims, v);
    }

    static PassContext context(int batches) {
        Random r = new Random(5);
        List<Map<String, Tensor>> samples = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            float[] v = new float[2 * 3 * 8 * 8];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextFloat();
            }
            samples.add(Map.of("x", Tensor.ofFloats(new long[] {2, 3, 8, 8}, v)));
        }
        return new FixedSamplesContext(samples, 1);
    }

    private static long count(Model m, String op) {
        return m.graph().nodes().stream().filter(n -> n.is(op)).count();
    }

    private static boolean hasFloatInitializer(Model m, String name) {
        return m.graph().initializers().keySet().stream().anyMatch(v -> v.name().equals(name));
    }

    @Test
    void ternaryStoresLevelsAndTwnScalesAndRunsInOrt() {
        Model m = tiny(17);
        float[] w1 = m.graph().initializers().entrySet().stream().filter(e -> e.getKey().name().equals("w1"))
                .findFirst().orElseThrow().getValue().toFloatArray();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = new QuantizeTernaryPass().run(m, new QuantizeTernaryOptions(NodeSelector.ALL, 0.7, true, false,
                Optional.empty(), false), context(2));
        assertTrue(r.changed());
        assertEquals(3, r.statistics().get("layers_quantized").intValue());
        assertEquals(3, count(m, "DequantizeLinear"));
        assertFalse(hasFloatInitializer(m, "w1") || hasFloatInitializer(m, "w2") || hasFloatInitializer(m, "w3"));
        Node conv = m.graph().nodes().stream().filter(n -> n.is("Conv")).findFirst().orElseThrow();
        Node dq = conv.input(1).producer().orElseThrow();
        Tensor q = m.graph().constantValue(dq.input(0)).orElseThrow();
        Tensor s = m.graph().constantValue(dq.input(1)).orElseThrow();
        assertEquals(DataType.INT8, q.dataType());
        assertEquals(0, dq.attrInt("axis", 1));
        byte[] levels = q.rawBytes();
        for (byte b : levels) {
            assertTrue(b >= -1 && b <= 1);
        }
        // TWN on channel 0 (27 weights): Δ = 0.7·mean|w|, α = mean of |w| above Δ
        double mean = 0;
        for (int i = 0; i < 27; i++) {
            mean += Math.abs(w1[i]) / 27;
        }
        double sum = 0;
        int kept = 0;
        for (int i = 0; i < 27; i++) {
            if (Math.abs(w1[i]) > 0.7 * mean) {
                sum += Math.abs(w1[i]);
                kept++;
                assertEquals(Math.signum(w1[i]), levels[i]);
            } else {
                assertEquals(0, levels[i]);
            }
        }
        assertEquals(sum / kept, s.toFloatArray()[0], 1e-6);
        assertTrue(before.maxAbsDifference(m) < 10, "runs in ORT with finite outputs");
        Node gemm = m.graph().nodes().stream().filter(n -> n.is("Gemm")).findFirst().orElseThrow();
        assertEquals(1, gemm.input(1).producer().orElseThrow().attrInt("axis", 0), "Gemm transB=0: columns");
    }

    @Test
    void keepFirstLastLeavesTheOuterLayersFloat() {
        Model m = tiny(17);
        PassResult r = new QuantizeBinaryPass().run(m, new QuantizeBinaryOptions(NodeSelector.ALL, true, false,
                Optional.empty(), true), context(1));
        assertEquals(1, r.statistics().get("layers_quantized").intValue());
        assertTrue(hasFloatInitializer(m, "w1") && hasFloatInitializer(m, "w3") && !hasFloatInitializer(m, "w2"));
        assertEquals(2, r.skips().size());
        assertTrue(r.skips().get(0).reason().contains("keep_first_last"));
    }

    @Test
    void refitScaleMinimisesTheLayerErrorOnTheCalibrationData() {
        // α = <Y, Yt>/<Yt, Yt> is the least-squares optimum on the calibration data: on that data the
        // refitted layer's squared error can only be lower than with the weight-only α
        double[] err = new double[2];
        Random r = new Random(11);
        Tensor w = random(r, 4, 3, 3, 3);
        for (int k = 0; k < 2; k++) {
            Model m = GraphBuilder.model("conv").input("x", DataType.FLOAT, 2, 3, 8, 8)
                    .initializer("w", w)
                    .node("Conv", List.of("x", "w"), List.of("y"))
                    .output("y", DataType.FLOAT, 2, 4, 6, 6).build();
            List<Map<String, Tensor>> data = context(4).samples(CALIB);
            List<float[]> ref = new ArrayList<>();
            try (OrtRunner ort = OrtRunner.open(ModelWriter.toBytes(m))) {
                data.forEach(f -> ref.add(ort.run(f).get("y").toFloatArray()));
            }
            new QuantizeBinaryPass().run(m, new QuantizeBinaryOptions(NodeSelector.ALL, true, k == 1,
                    Optional.of(CALIB), false), context(4));
            try (OrtRunner ort = OrtRunner.open(ModelWriter.toBytes(m))) {
                for (int b = 0; b < data.size(); b++) {
                    float[] y = ort.run(data.get(b)).get("y").toFloatArray();
                    for (int i = 0; i < y.length; i++) {
                        err[k] += Math.pow(y[i] - ref.get(b)[i], 2);
                    }
                }
            }
        }
        assertTrue(err[1] < err[0], "refit " + err[1] + " vs weight-only " + err[0]);
    }

    @Test
    void refitWithoutCalibrationIsAUserError() {
        org.junit.jupiter.api.Assertions.assertThrows(dev.onnxpress.passes.PassException.class, () ->
                new QuantizeTernaryPass().run(tiny(17), new QuantizeTernaryOptions(NodeSelector.ALL, 0.7, true, true,
                        Optional.empty(), true), context(1)));
    }

    @Test
    void opsetNineIsRaisedWithItsOldOperatorsRewritten() {
        Model m = GraphBuilder.model("old").opset(9)
                .input("x", DataType.FLOAT, 2, 3, 4, 4)
                .node("Clip", List.of("x"), List.of("c"), Map.of("min", Attr.of(0.1f), "max", Attr.of(0.8f)))
                .node("Slice", List.of("c"), List.of("s"), Map.of("starts", Attr.ofInts(1), "ends", Attr.ofInts(4),
                        "axes", Attr.ofInts(2)))
                .node("Softmax", List.of("s"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .node("Unsqueeze", List.of("y"), List.of("z"), Map.of("axes", Attr.ofInts(0)))
                .output("z", DataType.FLOAT, 1, 2, 3, 3, 4)
                .build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        assertTrue(OpsetRaise.blocker(m, 13).isEmpty());
        Optional<String> note = OpsetRaise.raise(m, new Rewriter(m), 13);
        assertEquals(Optional.of("opset raised from 9 to 13"), note);
        assertEquals(13, m.defaultOpset());
        before.assertWithin(m, 1e-6);
    }

    @Test
    void anOperatorThatCannotBeUpgradedBlocksTheRaise() {
        Model m = GraphBuilder.model("pad").opset(9)
                .input("x", DataType.FLOAT, 1, 1, 4, 4)
                .initializer("w", Tensor.ofFloats(new long[] {2, 1, 3, 3}, new float[18]))
                .node("Pad", List.of("x"), List.of("p"), Map.of("pads", Attr.ofInts(0, 0, 1, 1, 0, 0, 1, 1)))
                .node("Conv", List.of("p", "w"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 2, 4, 4)
                .build();
        PassResult r = new QuantizeTernaryPass().run(m, new QuantizeTernaryOptions(NodeSelector.ALL, 0.7, true, false,
                Optional.empty(), false), context(1));
        assertFalse(r.changed());
        assertTrue(r.skips().get(0).reason().contains("Pad"), r.skips().toString());
        assertEquals(9, m.defaultOpset());
    }

    @Test
    void int8WritesOrtStyleQdqThatStaysClose() {
        for (dev.onnxpress.passes.quant.CalibrationMethod method : dev.onnxpress.passes.quant.CalibrationMethod.values()) {
            Model m = tiny(17);
            OrtEquivalence before = OrtEquivalence.capture(m, context(1).samples(CALIB).get(0));
            PassResult r = new QuantizeInt8Pass().run(m, PassOptions.of(QuantizeInt8Options.class,
                    Map.of("calibration", CALIB, "method", method)), context(4));
            assertTrue(r.changed());
            assertEquals(0, count(m, "Relu"), "Relu folded into the uint8 range");
            assertEquals(2, r.statistics().get("activations_folded").intValue());
            assertTrue(count(m, "QuantizeLinear") >= 4);
            assertFalse(hasFloatInitializer(m, "w1") || hasFloatInitializer(m, "w2") || hasFloatInitializer(m, "w3")
                    || hasFloatInitializer(m, "b1"));
            Node conv = m.graph().nodes().stream().filter(n -> n.is("Conv")).findFirst().orElseThrow();
            Value bias = conv.input(2).producer().orElseThrow().input(0);
            assertEquals(DataType.INT32, m.graph().constantValue(bias).orElseThrow().dataType());
            // MaxPool keeps its input's scale: one shared scale initializer
            Node pool = m.graph().nodes().stream().filter(n -> n.is("MaxPool")).findFirst().orElseThrow();
            Node dqIn = pool.input(0).producer().orElseThrow();
            Node qOut = pool.output().uses().get(0).node();
            assertEquals(dqIn.input(1), qOut.input(1));
            double diff = before.maxAbsDifference(m);
            assertTrue(diff < 0.15, method + ": " + diff);
            try (OrtRunner ort = OrtRunner.open(ModelWriter.toBytes(m),
                    OrtRunner.Options.defaults().withOptimization(OptimizationLevel.ALL))) {
                ort.run(context(1).samples(CALIB).get(0));
            }
        }
    }

    @Test
    void int8LeavesAFloat16ModelRunnableAndSaysWhy() {
        Model m = tiny(17);
        new dev.onnxpress.passes.convert.fp16.ConvertFp16Pass().run(m, dev.onnxpress.passes.PassOptions.defaults(
                dev.onnxpress.passes.convert.fp16.ConvertFp16Options.class), context(1));
        PassResult r = new QuantizeInt8Pass().run(m, PassOptions.of(QuantizeInt8Options.class, Map.of("calibration", CALIB)), context(2));
        assertFalse(r.skips().isEmpty());
        assertTrue(r.skips().stream().anyMatch(k -> k.reason().contains("float16")
                && k.reason().contains("before convert_fp16")), r.skips().toString());
        var types = dev.onnxpress.passes.core.ElementTypes.of(m.graph());
        for (Node q : m.graph().nodes().stream().filter(n -> n.is("QuantizeLinear")).toList()) {
            if (!types.isFloat(q.input(0))) {
                fail("QuantizeLinear on " + q.input(0).name() + ", " + types.of(q.input(0)) + ": "
                        + m.graph().opHistogram());
            }
        }
        try (OrtRunner ort = OrtRunner.open(ModelWriter.toBytes(m), OrtRunner.Options.defaults())) {
            ort.run(context(1).samples(CALIB).get(0));
        }
    }

    @Test
    void maxDropKeepsSensitiveNodesFloatUntilTheBudgetHolds() {
        Model m = tiny(17);
        PassResult r = new QuantizeInt8Pass().run(m, PassOptions.of(QuantizeInt8Options.class,
                Map.of("calibration", CALIB, "max_drop", 0.0)), context(8));
        assertTrue((double) r.details().get("final_drop") <= 1e-12);
        assertTrue(r.details().containsKey("kept_float"));
        assertTrue(r.details().containsKey("sensitivity"));
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("mixed precision")));
    }

    @Test
    void entropyThresholdClipsALongTailButNotAUniformRange() {
        long[] uniform = new long[2048];
        java.util.Arrays.fill(uniform, 100);
        assertTrue(EntropyThreshold.of(uniform, 1.0 / 2048, 128) > 0.95);
        long[] tail = new long[2048];
        Random r = new Random(3);
        for (int i = 0; i < 200000; i++) {
            double x = Math.abs(r.nextGaussian());
            tail[Math.min(2047, (int) (x / 20 * 2048))]++; // |N(0,1)| on a range of 20: long empty-ish tail
        }
        tail[2047] += 1; // one outlier at the top
        double t = EntropyThreshold.of(tail, 20.0 / 2048, 128);
        assertTrue(t > 2 && t < 8, "threshold " + t);
    }
}
