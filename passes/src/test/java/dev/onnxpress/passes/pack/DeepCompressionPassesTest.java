package dev.onnxpress.passes.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.pack.PackedNodes;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.RandomDataContext;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.prune.magnitude.PruneMagnitudeOptions;
import dev.onnxpress.passes.prune.magnitude.PruneMagnitudePass;
import dev.onnxpress.passes.share.ShareWeightsOptions;
import dev.onnxpress.passes.share.ShareWeightsPass;
import dev.onnxpress.runtime.OnnxpressRuntime;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeepCompressionPassesTest {
    private static final Optional<DataRef> CALIB = Optional.of(new DataRef("calib"));

    /** X[4,16] → Gemm(W1 [24,16], transB) → Relu → Conv-free MLP → MatMul(W2 Constant node [24,10]); W1 also read by a MatMul. */
    static Model mlp(long seed) {
        Random r = new Random(seed);
        GraphBuilder b = GraphBuilder.model("mlp").opset(13);
        b.input("x", DataType.FLOAT, 4, 16);
        b.initializer("w1", Tensor.ofFloats(new long[] {24, 16}, gaussian(r, 24 * 16)));
        b.initializer("b1", Tensor.ofFloats(new long[] {24}, gaussian(r, 24)));
        b.constant("w2", Tensor.ofFloats(new long[] {24, 10}, gaussian(r, 240)));
        b.node("Gemm", List.of("x", "w1", "b1"), List.of("h"), Map.of("transB", Attr.of(1L)));
        b.node("Relu", List.of("h"), List.of("hr"));
        b.node("MatMul", List.of("hr", "w2"), List.of("y"));
        b.output("y", DataType.FLOAT, 4, 10);
        return b.build();
    }

    static Model conv(long seed) {
        Random r = new Random(seed);
        GraphBuilder b = GraphBuilder.model("conv").opset(13);
        b.input("x", DataType.FLOAT, 2, 4, 9, 9);
        b.initializer("w", Tensor.ofFloats(new long[] {8, 2, 3, 3}, gaussian(r, 8 * 2 * 9)));
        b.node("Conv", List.of("x", "w"), List.of("y"), Map.of("group", Attr.of(2L), "pads",
                Attr.ofInts(1, 1, 1, 1), "strides", Attr.ofInts(2, 2)));
        b.output("y", DataType.FLOAT, 2, 8, 5, 5);
        return b.build();
    }

    static float[] gaussian(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    @Test
    void pruneZerosExactlyTheSmallestFractionPerLayerAndHandlesConstantNodes() {
        Model m = mlp(1);
        PassResult res = new PruneMagnitudePass().run(m, prune(0.75, false), new RandomDataContext(m, 2));
        assertTrue(res.changed());
        for (Node n : m.graph().nodes()) {
            if (n.is("Gemm") || n.is("MatMul")) {
                float[] w = m.graph().constantValue(n.input(1)).orElseThrow().toFloatArray();
                long zeros = 0;
                for (float v : w) {
                    zeros += v == 0 ? 1 : 0;
                }
                assertEquals((long) Math.floor(0.75 * w.length), zeros, n.label());
            }
        }
        assertEquals(0.75, res.statistics().get("sparsity_fraction").doubleValue(), 1e-3);
    }

    @Test
    void aWeightSharedWithAnUnselectedLayerIsCopiedNotChanged() {
        GraphBuilder b = GraphBuilder.model("shared").opset(13);
        Random r = new Random(2);
        b.input("x", DataType.FLOAT, 3, 8);
        b.initializer("w", Tensor.ofFloats(new long[] {8, 8}, gaussian(r, 64)));
        b.node("MatMul", List.of("x", "w"), List.of("a"));
        b.node("MatMul", List.of("a", "w"), List.of("y"));
        b.output("y", DataType.FLOAT, 3, 8);
        Model m = b.build();
        Node second = m.graph().nodes().get(1);
        NodeSelector onlyFirst = n -> n != second;
        new PruneMagnitudePass().run(m, PassOptions.of(PruneMagnitudeOptions.class,
                Map.of("sparsity", 0.5, "layers", onlyFirst, "max_rows", 1000)), new RandomDataContext(m, 1));
        float[] first = m.graph().constantValue(m.graph().nodes().get(0).input(1)).orElseThrow().toFloatArray();
        float[] kept = m.graph().constantValue(second.input(1)).orElseThrow().toFloatArray();
        assertEquals(32, zeros(first));
        assertEquals(0, zeros(kept));
    }

    @Test
    void compensationBringsPrunedOutputsCloserToTheDenseModel() {
        // white (i.i.d.) inputs make A ∝ I, where the refit equals plain magnitude pruning: the MLP's second
        // layer sees correlated ReLU features, which is where compensation earns its keep
        for (Model dense : List.of(mlp(3))) {
            Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(dense, 5, Map.of());
            float[] ref = OrtEquivalence.run(dense, feeds).values().iterator().next().toFloatArray();
            Model plain = dense.copy();
            new PruneMagnitudePass().run(plain, prune(0.6, false), new RandomDataContext(plain, 60));
            Model comp = dense.copy();
            new PruneMagnitudePass().run(comp, prune(0.6, true), new RandomDataContext(comp, 60));
            double ePlain = err(ref, OrtEquivalence.run(plain, feeds).values().iterator().next().toFloatArray());
            double eComp = err(ref, OrtEquivalence.run(comp, feeds).values().iterator().next().toFloatArray());
            assertTrue(eComp < 0.8 * ePlain, dense.graph().name() + ": compensated " + eComp + " vs " + ePlain);
        }
    }

    @Test
    void obsMaskWithBiasRefitKeepsTheSparsityAndBeatsPlainPruning() {
        Model dense = mlp(3);
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(dense, 5, Map.of());
        float[] ref = OrtEquivalence.run(dense, feeds).values().iterator().next().toFloatArray();
        Model plain = dense.copy();
        new PruneMagnitudePass().run(plain, prune(0.6, false), new RandomDataContext(plain, 60));
        Model obs = dense.copy();
        new PruneMagnitudePass().run(obs, PassOptions.of(PruneMagnitudeOptions.class, Map.of("sparsity", 0.6,
                "criterion", PruneMagnitudeOptions.Criterion.obs, "compensate", true, "refit_bias", true,
                "calibration", CALIB, "max_rows", 100000)), new RandomDataContext(obs, 60));
        for (Node n : obs.graph().nodes()) {
            if (n.is("Gemm") || n.is("MatMul")) {
                float[] w = obs.graph().constantValue(n.input(1)).orElseThrow().toFloatArray();
                long zeros = 0;
                for (float v : w) {
                    zeros += v == 0 ? 1 : 0;
                }
                assertEquals((long) Math.floor(0.6 * w.length), zeros, n.label());
            }
        }
        Node gemm = obs.graph().nodes().stream().filter(n -> n.is("Gemm")).findFirst().orElseThrow();
        float[] b0 = dense.graph().initializers().entrySet().stream().filter(e -> e.getKey().name().equals("b1"))
                .findFirst().orElseThrow().getValue().toFloatArray();
        float[] b1 = obs.graph().constantValue(gemm.input(2)).orElseThrow().toFloatArray();
        assertTrue(!java.util.Arrays.equals(b0, b1), "refit_bias moved the bias");
        double ePlain = err(ref, OrtEquivalence.run(plain, feeds).values().iterator().next().toFloatArray());
        double eObs = err(ref, OrtEquivalence.run(obs, feeds).values().iterator().next().toFloatArray());
        assertTrue(eObs < 0.8 * ePlain, "obs " + eObs + " vs plain " + ePlain);
    }

    @Test
    void groupedStridedPaddedConvIsCompensatedFromIm2colPatchesWithoutHarm() {
        Model dense = conv(4);
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(dense, 5, Map.of());
        float[] ref = OrtEquivalence.run(dense, feeds).get("y").toFloatArray();
        Model plain = dense.copy();
        new PruneMagnitudePass().run(plain, prune(0.5, false), new RandomDataContext(plain, 8));
        Model comp = dense.copy();
        PassResult r = new PruneMagnitudePass().run(comp, prune(0.5, true), new RandomDataContext(comp, 8));
        assertEquals(1, r.statistics().get("layers_compensated").intValue());
        double ePlain = err(ref, OrtEquivalence.run(plain, feeds).get("y").toFloatArray());
        double eComp = err(ref, OrtEquivalence.run(comp, feeds).get("y").toFloatArray());
        assertTrue(eComp < 1.05 * ePlain, "compensated " + eComp + " vs " + ePlain);
        assertEquals(72, zeros(comp.graph().constantValue(comp.graph().nodes().get(0).input(1)).orElseThrow()
                .toFloatArray()));
    }

    @Test
    void sharingKeepsZerosUsesAtMostTwoToTheBitsValuesAndRunsInStockOrt() {
        Model m = mlp(4);
        new PruneMagnitudePass().run(m, prune(0.8, false), new RandomDataContext(m, 1));
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 6, Map.of());
        PassResult res = new ShareWeightsPass().run(m, share(3, false), new RandomDataContext(m, 2));
        assertEquals(2L, res.statistics().get("layers_shared").longValue());
        byte[] bytes = ModelWriter.toBytes(m);
        List<String> gathered = m.graph().nodes().stream().filter(n -> n.is("Gather")).map(n -> n.output().name())
                .toList();
        assertEquals(2, gathered.size());
        Map<String, Tensor> weights;
        try (OrtRunner ort = OrtRunner.open(OrtRunner.withTaps(bytes, gathered))) {
            weights = ort.run(feeds, gathered);
        }
        for (Tensor w : weights.values()) {
            float[] f = w.toFloatArray();
            Set<Float> distinct = new HashSet<>();
            for (float v : f) {
                distinct.add(v);
            }
            assertTrue(distinct.size() <= 8, distinct.toString());
            assertTrue(distinct.contains(0f));
            assertEquals((long) Math.floor(0.8 * f.length), zeros(f)); // pruned zeros stay zeros, no new ones
        }
        assertTrue(m.graph().opHistogram().containsKey("Gather"));
    }

    @Test
    void refitLowersTheOutputErrorOfSharing() {
        Model dense = mlp(5);
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(dense, 100, Map.of()); // = RandomDataContext batch 0
        float[] ref = OrtEquivalence.run(dense, feeds).values().iterator().next().toFloatArray();
        Model a = dense.copy();
        new ShareWeightsPass().run(a, share(2, false), new RandomDataContext(a, 3));
        Model b = dense.copy();
        new ShareWeightsPass().run(b, share(2, true), new RandomDataContext(b, 3));
        double ea = err(ref, OrtEquivalence.run(a, feeds).values().iterator().next().toFloatArray());
        double eb = err(ref, OrtEquivalence.run(b, feeds).values().iterator().next().toFloatArray());
        assertTrue(eb < ea, "refit " + eb + " vs k-means " + ea);
    }

    @Test
    void packedModelDecodesBitExactlyThroughTheRuntimeAndOnlyThere() {
        Model m = mlp(6);
        new PruneMagnitudePass().run(m, prune(0.9, false), new RandomDataContext(m, 1));
        new ShareWeightsPass().run(m, share(4, false), new RandomDataContext(m, 1));
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 8, Map.of());
        Map<String, Tensor> before = OrtEquivalence.run(m, feeds);
        byte[] plainBytes = ModelWriter.toBytes(m);
        PassResult res = new PackHuffmanPass().run(m, new PackHuffmanOptions(NodeSelector.ALL, 16),
                new RandomDataContext(m, 1));
        assertTrue(res.changed());
        assertTrue(res.statistics().get("tensors_packed").intValue() >= 2);
        assertTrue(res.details().containsKey("deep_compression"));
        byte[] packed = ModelWriter.toBytes(m);
        assertTrue(packed.length < plainBytes.length);
        assertTrue(m.opsets().containsKey(PackedNodes.DOMAIN));
        Model reread = ModelReader.read(packed, Optional.empty(), "packed");
        assertTrue(OnnxpressRuntime.isPacked(reread));
        try (OrtRunner ort = OnnxpressRuntime.open(packed)) {
            Map<String, Tensor> after = ort.run(feeds);
            for (String k : before.keySet()) {
                assertArrayEquals(before.get(k).rawBytes(), after.get(k).rawBytes(), k);
            }
        }
        Model unpacked = ModelReader.read(OnnxpressRuntime.toPlainOnnx(packed), Optional.empty(), "plain");
        assertFalse(OnnxpressRuntime.isPacked(unpacked));
        assertFalse(unpacked.opsets().containsKey(PackedNodes.DOMAIN));
        for (var e : ModelReader.read(plainBytes, Optional.empty(), "p").graph().initializers().entrySet()) {
            Tensor t = unpacked.graph().findValue(e.getKey().name()).flatMap(v -> unpacked.graph().constantValue(v))
                    .orElseThrow();
            assertArrayEquals(e.getValue().rawBytes(), t.rawBytes(), e.getKey().name());
        }
    }

    @Test
    void int8WeightsBehindDequantizeLinearArePacked() {
        Random r = new Random(9);
        byte[] q = new byte[64 * 32];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) (r.nextDouble() < 0.5 ? 0 : r.nextBoolean() ? 1 : -1); // ternary
        }
        GraphBuilder b = GraphBuilder.model("ternary").opset(13);
        b.input("x", DataType.FLOAT, 2, 64);
        b.initializer("q", Tensor.ofBytes(DataType.INT8, new long[] {64, 32}, q));
        b.initializer("s", Tensor.ofFloats(new long[] {32}, gaussian(r, 32)));
        b.initializer("z", Tensor.ofBytes(DataType.INT8, new long[] {32}, new byte[32]));
        b.node("DequantizeLinear", List.of("q", "s", "z"), List.of("w"), Map.of("axis", Attr.of(1L)));
        b.node("MatMul", List.of("x", "w"), List.of("y"));
        b.output("y", DataType.FLOAT, 2, 32);
        Model m = b.build();
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 1, Map.of());
        Map<String, Tensor> before = OrtEquivalence.run(m, feeds);
        PassResult res = new PackHuffmanPass().run(m, new PackHuffmanOptions(NodeSelector.op("MatMul"), 1024),
                new RandomDataContext(m, 1));
        assertEquals(1, res.statistics().get("tensors_packed").intValue());
        assertTrue(res.statistics().get("bytes_after").longValue() < q.length / 4); // ~1.5 bits per weight
        try (OrtRunner ort = OnnxpressRuntime.open(ModelWriter.toBytes(m))) {
            assertArrayEquals(before.get("y").rawBytes(), ort.run(feeds).get("y").rawBytes());
        }
    }

    static PruneMagnitudeOptions prune(double s, boolean comp) {
        return PassOptions.of(PruneMagnitudeOptions.class, Map.of("sparsity", s, "compensate", comp,
                "calibration", comp ? CALIB : Optional.empty(), "max_rows", 100000));
    }

    static ShareWeightsOptions share(int bits, boolean refit) {
        return PassOptions.of(ShareWeightsOptions.class, Map.of("bits", bits, "refit", refit,
                "calibration", refit ? CALIB : Optional.empty(), "max_rows", 100000));
    }

    private static long zeros(float[] f) {
        long z = 0;
        for (float v : f) {
            z += v == 0 ? 1 : 0;
        }
        return z;
    }

    private static double err(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return s;
    }
}
