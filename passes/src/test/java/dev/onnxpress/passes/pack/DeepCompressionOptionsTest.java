package dev.onnxpress.passes.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.RandomDataContext;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.core.FitReference;
import dev.onnxpress.passes.prune.magnitude.PruneMagnitudeOptions;
import dev.onnxpress.passes.prune.magnitude.PruneMagnitudeOptions.Criterion;
import dev.onnxpress.passes.prune.magnitude.PruneMagnitudePass;
import dev.onnxpress.passes.share.ShareWeightsOptions;
import dev.onnxpress.passes.share.ShareWeightsOptions.Assign;
import dev.onnxpress.passes.share.ShareWeightsPass;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Deep Compression options that fit the original model: reference=input, zeros staying pruned, unread
 * outputs first, weigh_outputs, share_weights assign=compensated and refit_bias. Each on the tiny MLP of
 * {@link DeepCompressionPassesTest} (Gemm+bias → Relu → MatMul), run in ORT before and after.
 */
class DeepCompressionOptionsTest {
    private static final Optional<DataRef> CALIB = Optional.of(new DataRef("calib"));
    private static final NodeSelector GEMM = n -> n.is("Gemm");
    private static final NodeSelector MATMUL = n -> n.is("MatMul");

    /** A context that also offers the pipeline's input model, as the recipe runner does. */
    private record WithReference(PassContext inner, Model input) implements PassContext {
        @Override
        public List<Map<String, Tensor>> samples(DataRef data) {
            return inner.samples(data);
        }

        @Override
        public Optional<int[]> labels(DataRef data) {
            return inner.labels(data);
        }

        @Override
        public Random random() {
            return inner.random();
        }

        @Override
        public Progress progress() {
            return inner.progress();
        }

        @Override
        public Optional<Model> reference() {
            return Optional.of(input);
        }
    }

    private static PruneMagnitudeOptions prune(double s, NodeSelector layers, Criterion c, boolean refitBias,
            FitReference.Source ref, boolean weigh) {
        boolean compensate = c != Criterion.magnitude || ref == FitReference.Source.input || refitBias;
        return new PruneMagnitudeOptions(s, layers, PruneMagnitudeOptions.Scope.layer, c, compensate, refitBias, ref,
                weigh, compensate ? CALIB : Optional.empty(), 1e-3, 2304, 100000);
    }

    private static ShareWeightsOptions share(int bits, boolean refit, Assign assign, boolean refitBias,
            FitReference.Source ref) {
        boolean data = refit || refitBias || assign == Assign.compensated;
        return new ShareWeightsOptions(bits, 0, NodeSelector.ALL, ShareWeightsOptions.Init.linear, 50, refit, assign,
                refitBias, ref, data ? CALIB : Optional.empty(), 1e-3, 2304, 100000);
    }

    private static float[] out(Model m, Map<String, Tensor> feeds) {
        return OrtEquivalence.run(m, feeds).get("y").toFloatArray();
    }

    private static double err(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return s;
    }

    private static float[] weight(Model m, NodeSelector which) {
        Node n = m.graph().nodes().stream().filter(which::matches).findFirst().orElseThrow();
        return m.graph().constantValue(n.input(1)).orElseThrow().toFloatArray();
    }

    /** Adds noise to the Gemm's weight: an earlier lossy step whose error later steps should undo. */
    private static void perturbFirstLayer(Model m, long seed) {
        Node gemm = m.graph().nodes().stream().filter(GEMM::matches).findFirst().orElseThrow();
        float[] w = weight(m, GEMM);
        Random r = new Random(seed);
        double[] d = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            d[i] = w[i] + 0.4 * r.nextGaussian();
        }
        Tensor t = m.graph().constantValue(gemm.input(1)).orElseThrow();
        new ConstantEditor(new Rewriter(m)).setConstantInput(gemm, 1, Tensor.of(t.dataType(), t.dims(), d),
                gemm.input(1).name());
    }

    private static long zeros(float[] f) {
        long z = 0;
        for (float v : f) {
            z += v == 0 ? 1 : 0;
        }
        return z;
    }

    @Test
    void referenceInputWithoutAReferenceModelIsAUserErrorNamingTheFix() {
        Model m = DeepCompressionPassesTest.mlp(1);
        PassException e = assertThrows(PassException.class, () -> new PruneMagnitudePass().run(m,
                prune(0.5, NodeSelector.ALL, Criterion.obs, false, FitReference.Source.input, false),
                new RandomDataContext(m, 2)));
        assertTrue(e.getMessage().contains("reference=input"), e.getMessage());
        assertTrue(e.getMessage().contains("reference=previous"), e.getMessage());
        PassException s = assertThrows(PassException.class, () -> new ShareWeightsPass().run(m,
                share(3, true, Assign.nearest, false, FitReference.Source.input), new RandomDataContext(m, 2)));
        assertTrue(s.getMessage().contains("reference=input"), s.getMessage());
    }

    @Test
    void pruningWithReferenceInputUndoesTheErrorOfAnEarlierStep() {
        Model dense = DeepCompressionPassesTest.mlp(3);
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(dense, 5, Map.of());
        float[] ref = out(dense, feeds);
        Model noisy = dense.copy();
        perturbFirstLayer(noisy, 1);
        Model previous = noisy.copy();
        new PruneMagnitudePass().run(previous, prune(0.3, MATMUL, Criterion.obs, false, FitReference.Source.previous,
                false), new RandomDataContext(previous, 60));
        Model input = noisy.copy();
        new PruneMagnitudePass().run(input, prune(0.3, MATMUL, Criterion.obs, false, FitReference.Source.input,
                false), new WithReference(new RandomDataContext(input, 60), dense));
        double ePrev = err(ref, out(previous, feeds));
        double eIn = err(ref, out(input, feeds));
        assertTrue(eIn < 0.7 * ePrev, "reference=input " + eIn + " vs previous " + ePrev);
        assertEquals((long) Math.floor(0.3 * 240), zeros(weight(input, MATMUL)));
    }

    @Test
    void zerosStayPrunedAndCountTowardTheSparsity() {
        Model m = DeepCompressionPassesTest.mlp(4);
        new PruneMagnitudePass().run(m, prune(0.5, GEMM, Criterion.magnitude, false, FitReference.Source.previous,
                false), new RandomDataContext(m, 1));
        float[] before = weight(m, GEMM);
        assertEquals(192, zeros(before));
        for (Criterion c : Criterion.values()) {
            Model again = m.copy();
            // a lower sparsity than the layer already has: nothing is revived by the refit
            new PruneMagnitudePass().run(again, prune(0.3, GEMM, c, true, FitReference.Source.previous, false),
                    new RandomDataContext(again, 30));
            float[] after = weight(again, GEMM);
            for (int i = 0; i < before.length; i++) {
                assertTrue(before[i] != 0 || after[i] == 0, c + ": weight " + i + " revived");
            }
            assertEquals(192, zeros(after), c.toString());
        }
        Model more = m.copy();
        new PruneMagnitudePass().run(more, prune(0.7, GEMM, Criterion.obs, true, FitReference.Source.previous, false),
                new RandomDataContext(more, 30));
        float[] after = weight(more, GEMM);
        assertEquals((long) Math.floor(0.7 * 384), zeros(after));
        for (int i = 0; i < before.length; i++) {
            assertTrue(before[i] != 0 || after[i] == 0, "weight " + i + " revived");
        }
    }

    @Test
    void outputsTheNextLayerDoesNotReadArePrunedFirstAtNoCost() {
        Model m = DeepCompressionPassesTest.mlp(5);
        Node matmul = m.graph().nodes().stream().filter(MATMUL::matches).findFirst().orElseThrow();
        float[] w2 = weight(m, MATMUL);
        double[] d = new double[w2.length];
        for (int i = 0; i < w2.length; i++) {
            d[i] = i / 10 < 6 ? 0 : w2[i]; // w2 is [24, 10]: hidden units 0..5 are read by nobody
        }
        Tensor t = m.graph().constantValue(matmul.input(1)).orElseThrow();
        new ConstantEditor(new Rewriter(m)).setConstantInput(matmul, 1, Tensor.of(t.dataType(), t.dims(), d),
                matmul.input(1).name());
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 5, Map.of());
        float[] ref = out(m, feeds);
        Model pruned = m.copy();
        PassResult r = new PruneMagnitudePass().run(pruned, prune(0.25, GEMM, Criterion.magnitude, false,
                FitReference.Source.previous, false), new RandomDataContext(pruned, 1));
        float[] w1 = weight(pruned, GEMM); // [24, 16], transB: row o is hidden unit o
        assertEquals(96, zeros(w1));
        for (int i = 0; i < 6 * 16; i++) {
            assertEquals(0f, w1[i], "unread unit " + i / 16);
        }
        assertEquals(0.0, err(ref, out(pruned, feeds)), 1e-9, "only unread outputs went");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) r.details().get("layers");
        assertEquals(6, ((Number) rows.get(0).get("unread_outputs")).intValue());
    }

    @Test
    void weighOutputsSparesTheRowsTheNextLayerReadsStrongly() {
        Model m = DeepCompressionPassesTest.mlp(6);
        Node matmul = m.graph().nodes().stream().filter(MATMUL::matches).findFirst().orElseThrow();
        float[] w2 = weight(m, MATMUL);
        double[] d = new double[w2.length];
        for (int i = 0; i < w2.length; i++) {
            d[i] = i / 10 == 0 ? 100 * w2[i] : w2[i]; // hidden unit 0 matters 10⁴ times more
        }
        Tensor t = m.graph().constantValue(matmul.input(1)).orElseThrow();
        new ConstantEditor(new Rewriter(m)).setConstantInput(matmul, 1, Tensor.of(t.dataType(), t.dims(), d),
                matmul.input(1).name());
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 5, Map.of());
        float[] ref = out(m, feeds);
        Model plain = m.copy();
        new PruneMagnitudePass().run(plain, prune(0.6, GEMM, Criterion.obs, false, FitReference.Source.previous,
                false), new RandomDataContext(plain, 60));
        Model weighed = m.copy();
        new PruneMagnitudePass().run(weighed, prune(0.6, GEMM, Criterion.obs, false, FitReference.Source.previous,
                true), new RandomDataContext(weighed, 60));
        float[] w1 = weight(weighed, GEMM);
        for (int i = 0; i < 16; i++) {
            assertTrue(w1[i] != 0, "row of the strongly read unit keeps weight " + i);
        }
        assertEquals((long) Math.floor(0.6 * 384), zeros(w1));
        double ePlain = err(ref, out(plain, feeds));
        double eWeighed = err(ref, out(weighed, feeds));
        assertTrue(eWeighed < ePlain, "weighed " + eWeighed + " vs plain " + ePlain);
    }

    @Test
    void compensatedAssignmentBeatsNearestKeepsZerosAndTheCodebookSize() {
        Model dense = DeepCompressionPassesTest.mlp(7);
        new PruneMagnitudePass().run(dense, prune(0.5, NodeSelector.ALL, Criterion.magnitude, false,
                FitReference.Source.previous, false), new RandomDataContext(dense, 1));
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(dense, 100, Map.of());
        float[] ref = out(dense, feeds);
        Model nearest = dense.copy();
        new ShareWeightsPass().run(nearest, share(2, false, Assign.nearest, false, FitReference.Source.previous),
                new RandomDataContext(nearest, 30));
        Model gptq = dense.copy();
        PassResult r = new ShareWeightsPass().run(gptq, share(2, false, Assign.compensated, false,
                FitReference.Source.previous), new RandomDataContext(gptq, 30));
        double eNear = err(ref, out(nearest, feeds));
        double eGptq = err(ref, out(gptq, feeds));
        // white inputs make the first layer's H ∝ I (compensation = nearest there); the ReLU features of the
        // second are correlated, which is where it gains
        assertTrue(eGptq < eNear, "compensated " + eGptq + " vs nearest " + eNear);
        byte[] bytes = ModelWriter.toBytes(gptq);
        List<String> gathered = gptq.graph().nodes().stream().filter(n -> n.is("Gather")).map(n -> n.output().name())
                .toList();
        try (OrtRunner ort = OrtRunner.open(OrtRunner.withTaps(bytes, gathered))) {
            for (Tensor w : ort.run(feeds, gathered).values()) {
                float[] f = w.toFloatArray();
                Set<Float> distinct = new HashSet<>();
                for (float v : f) {
                    distinct.add(v);
                }
                assertTrue(distinct.size() <= 4, distinct.toString());
                assertEquals(f.length / 2, zeros(f), "zeros stay zeros, no new ones");
            }
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) r.details().get("layers");
        assertEquals("compensated", rows.get(0).get("assign"));
    }

    /** x[4,16] → Relu → Gemm(w [12,16], transB, b) → y: the Gemm's inputs have a nonzero mean. */
    private static Model reluGemm(long seed) {
        Random r = new Random(seed);
        GraphBuilder b = GraphBuilder.model("relu_gemm").opset(13);
        b.input("x", DataType.FLOAT, 4, 16);
        b.initializer("w", Tensor.ofFloats(new long[] {12, 16}, DeepCompressionPassesTest.gaussian(r, 12 * 16)));
        b.initializer("b", Tensor.ofFloats(new long[] {12}, DeepCompressionPassesTest.gaussian(r, 12)));
        b.node("Relu", List.of("x"), List.of("xr"));
        b.node("Gemm", List.of("xr", "w", "b"), List.of("y"), Map.of("transB", Attr.of(1L)));
        b.output("y", DataType.FLOAT, 4, 12);
        return b.build();
    }

    @Test
    void refitBiasTakesTheMeanShiftOfSharing() {
        Model dense = reluGemm(8);
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(dense, 100, Map.of()); // = the calibration batch
        float[] ref = out(dense, feeds);
        Model plain = dense.copy();
        new ShareWeightsPass().run(plain, share(2, false, Assign.nearest, false, FitReference.Source.previous),
                new RandomDataContext(plain, 1));
        Model biased = dense.copy();
        new ShareWeightsPass().run(biased, share(2, false, Assign.nearest, true, FitReference.Source.previous),
                new RandomDataContext(biased, 1));
        Node gemm = biased.graph().nodes().stream().filter(GEMM::matches).findFirst().orElseThrow();
        float[] b0 = dense.graph().constantValue(dense.graph().nodes().stream().filter(GEMM::matches).findFirst()
                .orElseThrow().input(2)).orElseThrow().toFloatArray();
        float[] b1 = biased.graph().constantValue(gemm.input(2)).orElseThrow().toFloatArray();
        assertFalse(java.util.Arrays.equals(b0, b1), "the bias moved");
        double ePlain = err(ref, out(plain, feeds));
        double eBias = err(ref, out(biased, feeds));
        assertTrue(eBias < ePlain, "refit_bias " + eBias + " vs " + ePlain);
    }

    @Test
    void refitBiasSkipsALayerWithoutBiasWithTheReason() {
        Model m = DeepCompressionPassesTest.mlp(8);
        PassResult r = new ShareWeightsPass().run(m, share(2, false, Assign.nearest, true,
                FitReference.Source.previous), new RandomDataContext(m, 2));
        assertTrue(r.skips().stream().anyMatch(s -> s.reason().contains("no constant per-output bias")),
                r.skips().toString());
        assertEquals(2L, r.statistics().get("layers_shared").longValue());
    }

    @Test
    void sharingWithReferenceInputUndoesTheErrorOfAnEarlierStep() {
        Model dense = DeepCompressionPassesTest.mlp(9);
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(dense, 5, Map.of());
        float[] ref = out(dense, feeds);
        Model noisy = dense.copy();
        perturbFirstLayer(noisy, 2);
        Model previous = noisy.copy();
        new ShareWeightsPass().run(previous, share(4, true, Assign.compensated, true, FitReference.Source.previous),
                new RandomDataContext(previous, 60));
        Model input = noisy.copy();
        new ShareWeightsPass().run(input, share(4, true, Assign.compensated, true, FitReference.Source.input),
                new WithReference(new RandomDataContext(input, 60), dense));
        double ePrev = err(ref, out(previous, feeds));
        double eIn = err(ref, out(input, feeds));
        assertTrue(eIn < 0.7 * ePrev, "reference=input " + eIn + " vs previous " + ePrev);
    }
}
