package dev.onnxpress.passes.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.core.TapStream;
import dev.onnxpress.testing.GraphBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Calibration statistics are accumulated run by run: what they retain does not grow with the number of
 * samples, one ORT run's taps stay within the budget, and the ranges equal those computed with every
 * activation of every sample held at once (the in-memory method, re-implemented here as the reference).
 */
class StreamingCalibrationTest {
    private static final List<String> TAPS = List.of("x", "c1", "r1", "c2", "y");

    /** x[N,3,16,16] → Conv → Relu → Conv → GlobalAveragePool → Flatten → Gemm → y[N,5]; N symbolic. */
    static Model model() {
        Random r = new Random(3);
        return GraphBuilder.model("stream").opset(13)
                .input("x", DataType.FLOAT, "N", 3, 16, 16)
                .initializer("w1", QuantizePassesTest.random(r, 8, 3, 3, 3))
                .initializer("w2", QuantizePassesTest.random(r, 6, 8, 3, 3))
                .initializer("w3", QuantizePassesTest.random(r, 5, 6))
                .node("Conv", List.of("x", "w1"), List.of("c1"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))
                .node("Relu", List.of("c1"), List.of("r1"))
                .node("Conv", List.of("r1", "w2"), List.of("c2"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))
                .node("GlobalAveragePool", List.of("c2"), List.of("g"))
                .node("Flatten", List.of("g"), List.of("f"))
                .node("Gemm", List.of("f", "w3"), List.of("y"), Map.of("transB", Attr.of(1L)))
                .output("y", DataType.FLOAT, "N", 5)
                .build();
    }

    /** {@code samples} seeded samples as one batch (as a recipe's data set with a large batch size gives them). */
    static List<Map<String, Tensor>> oneBatch(int samples) {
        Random r = new Random(samples);
        float[] v = new float[samples * 3 * 16 * 16];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return List.of(Map.of("x", Tensor.ofFloats(new long[] {samples, 3, 16, 16}, v)));
    }

    @ParameterizedTest
    @EnumSource(CalibrationMethod.class)
    void retainedBytesDoNotGrowWithSamples(CalibrationMethod method) {
        Model m = model();
        long few = retained(m, method, 4);
        long many = retained(m, method, 96);
        assertTrue(few > 0);
        assertEquals(few, many, "accumulators of 4 and 96 samples must hold the same bytes");
    }

    private static long retained(Model m, CalibrationMethod method, int samples) {
        Map<String, ActivationRanges.Accumulator> acc = new LinkedHashMap<>();
        ActivationRanges.measure(m, TAPS, oneBatch(samples), method, 99.9, 64 << 10, acc);
        assertEquals(TAPS, List.copyOf(acc.keySet()));
        return acc.values().stream().mapToLong(ActivationRanges.Accumulator::retainedBytes).sum();
    }

    @ParameterizedTest
    @EnumSource(CalibrationMethod.class)
    void oneRunStaysWithinTheBudget(CalibrationMethod method) {
        // per sample the taps are 3·256 + 8·256·2 + 6·256 + 5 floats ≈ 24 kB: a 64 kB budget takes 2 samples a run
        long budget = 64 << 10;
        try (TapStream s = TapStream.open(ModelWriter.toBytes(model()), TAPS, OrtRunner.Options.defaults(), budget)) {
            long[] values = {0};
            s.forEachFloats(oneBatch(64), TAPS, (name, type, dims, v) -> values[0] += v.remaining());
            long perSample = (3 * 256 + 8 * 256 * 2 + 6 * 256 + 5) * 4L;
            assertEquals(64 * perSample / 4, values[0], "every sample's taps are seen once");
            assertTrue(s.maxRunBytes() <= budget, "largest run " + s.maxRunBytes() + " B > budget " + budget);
            assertEquals(1 + (63 + 1) / 2, s.runs(), "one probe sample, then two samples a run");
        }
    }

    @ParameterizedTest
    @EnumSource(CalibrationMethod.class)
    void streamingEqualsInMemory(CalibrationMethod method) {
        Model m = model();
        List<Map<String, Tensor>> data = new ArrayList<>(oneBatch(40));
        data.addAll(oneBatch(7));
        for (double percentile : new double[] {99.9, 99.0}) {
            Map<String, ActivationRange> streamed = ActivationRanges.measure(m, TAPS, data, method, percentile,
                    16 << 10, new LinkedHashMap<>());
            Map<String, ActivationRange> inMemory = inMemory(m, data, method, percentile);
            assertEquals(inMemory, streamed, method + " at " + percentile);
        }
    }

    /** Every activation of every sample collected first (one ORT run per batch, no cuts), then the statistics. */
    private static Map<String, ActivationRange> inMemory(Model m, List<Map<String, Tensor>> data,
            CalibrationMethod method, double percentile) {
        Map<String, List<float[]>> all = new LinkedHashMap<>();
        try (OrtRunner ort = OrtRunner.open(OrtRunner.withTaps(ModelWriter.toBytes(m), TAPS))) {
            for (Map<String, Tensor> feeds : data) {
                ort.run(feeds, TAPS).forEach((k, v) -> all.computeIfAbsent(k, x -> new ArrayList<>()).add(v.toFloatArray()));
            }
        }
        Map<String, ActivationRange> out = new LinkedHashMap<>();
        all.forEach((name, parts) -> {
            double min = 0;
            double max = 0;
            for (float[] p : parts) {
                for (float x : p) {
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
            }
            if (method == CalibrationMethod.minmax) {
                out.put(name, new ActivationRange(min, max));
            } else if (method == CalibrationMethod.entropy) {
                long[] h = new long[ActivationRanges.ABS_BINS];
                double a = Math.max(-min, max);
                double w = a > 0 ? a / h.length : 1;
                for (float[] p : parts) {
                    for (float x : p) {
                        if (x != 0) {
                            h[Math.min(h.length - 1, (int) (Math.abs(x) / w))]++;
                        }
                    }
                }
                double th = a > 0 ? EntropyThreshold.of(h, a / h.length, 128) : 0;
                out.put(name, new ActivationRange(Math.max(min, -th), Math.min(max, th)));
            } else {
                long[] h = new long[ActivationRanges.SIGNED_BINS];
                double w = max > min ? (max - min) / h.length : 1;
                for (float[] p : parts) {
                    for (float x : p) {
                        h[Math.max(0, Math.min(h.length - 1, (int) ((x - min) / w)))]++;
                    }
                }
                out.put(name, ActivationRanges.percentileRange(h, min, max, percentile));
            }
        });
        return out;
    }
}
