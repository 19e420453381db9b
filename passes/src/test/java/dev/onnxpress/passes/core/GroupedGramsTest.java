package dev.onnxpress.passes.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.RandomDataContext;
import dev.onnxpress.ort.OrtRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FitReference#grams}: while one run per layer is affordable each layer's moments see the edits of the
 * layers before it; beyond the run budget, layers share a run and see the model as their group found it.
 */
class GroupedGramsTest {

    static Model mlp() {
        Random r = new Random(3);
        GraphBuilder b = GraphBuilder.model("mlp").opset(13);
        b.input("x", DataType.FLOAT, 4, 6);
        b.initializer("w1", Tensor.ofFloats(new long[] {5, 6}, gaussian(r, 30)));
        b.initializer("b1", Tensor.ofFloats(new long[] {5}, gaussian(r, 5)));
        b.initializer("w2", Tensor.ofFloats(new long[] {5, 3}, gaussian(r, 15)));
        b.node("Gemm", List.of("x", "w1", "b1"), List.of("h"), Map.of("transB", Attr.of(1L)));
        b.node("Relu", List.of("h"), List.of("hr"));
        b.node("MatMul", List.of("hr", "w2"), List.of("y"));
        b.output("y", DataType.FLOAT, 4, 3);
        return b.build();
    }

    static float[] gaussian(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    /** Moments of both layers; the fitter zeroes each layer's weights as it goes. */
    static List<Object> run(double runWork) {
        Model m = mlp();
        RandomDataContext ctx = new RandomDataContext(m, 3);
        List<Map<String, Tensor>> batches = ctx.samples(null);
        List<WeightedLayer> layers = WeightedLayer.selected(m.graph().nodes(), NodeSelector.ALL, PassResult.builder());
        FitReference ref = FitReference.of("test", FitReference.Source.previous, m, ctx);
        List<FitReference.Request> requests = new ArrayList<>();
        for (WeightedLayer l : layers) {
            requests.add(new FitReference.Request(l, ref.fit(l, 100, new StringBuilder()).orElseThrow()));
        }
        ConstantEditor editor = new ConstantEditor(new Rewriter(m));
        List<double[]> a = new ArrayList<>();
        int[] groups = {0};
        ref.grams(m, requests, batches, 1000, ctx.random(), FitReference.DEFAULT_GRAM_BUDGET, runWork,
                new FitReference.Fitter() {
                    @Override
                    public void beforeGroup(int index) {
                        groups[0]++;
                    }

                    @Override
                    public void fit(int index, LayerGram gram) {
                        a.add(gram.a(0).clone());
                        WeightedLayer l = layers.get(index);
                        double[] w = l.tensor().toDoubleArray();
                        java.util.Arrays.fill(w, 0);
                        editor.setConstantInput(l.node(), l.weightInput(),
                                Tensor.of(l.tensor().dataType(), l.tensor().dims(), w), l.weight().name());
                    }
                });
        return List.of(a, groups[0], batches, ModelWriter.toBytes(mlp()), requests.get(1).fit().geo());
    }

    @Test
    @SuppressWarnings("unchecked")
    void sequentialWhileAffordableSharedRunsBeyond() {
        List<Object> seq = run(1e18);
        List<Object> grouped = run(1);
        assertEquals(2, seq.get(1), "one run per layer");
        assertEquals(1, grouped.get(1), "both layers in one run");
        List<double[]> as = (List<double[]>) seq.get(0);
        List<double[]> ag = (List<double[]>) grouped.get(0);
        // the first layer sees the same inputs either way
        assertArrayEquals(as.get(0), ag.get(0));
        // the second: after the first layer was zeroed (sequential), or on the model as found (shared run)
        assertFalse(java.util.Arrays.equals(as.get(1), ag.get(1)));
        List<Map<String, Tensor>> batches = (List<Map<String, Tensor>>) grouped.get(2);
        byte[] original = (byte[]) grouped.get(3);
        byte[] tapped = OrtRunner.withTaps(original, List.of("hr"));
        LayerGeometry geo = (LayerGeometry) grouped.get(4);
        double[] fresh = LayerGram.collect(geo, "hr", tapped, tapped, batches, 1000, new Random(1)).symmetric().a(0);
        assertArrayEquals(fresh, ag.get(1), 0.0);
        // with the first layer's weights zeroed its ReLU outputs are relu(b1) for every sample: A = N·r rᵀ
        float[] b1 = mlp().graph().initializers().values().stream().filter(t -> t.dims().length == 1).findFirst()
                .orElseThrow().toFloatArray();
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                double expect = 12.0 * Math.max(0, b1[i]) * Math.max(0, b1[j]);
                assertEquals(expect, as.get(1)[i * 5 + j], 1e-5 * Math.abs(expect) + 1e-9);
            }
        }
    }

    @Test
    void runsArePerLayerForSmallWorkAndSharedForLarge() {
        Model m = mlp();
        assertEquals(1, FitReference.perGroup(m, 10, 1000, FitReference.DEFAULT_RUN_WORK));
        // MACs per sample: 30 + 15 = 45; 1e6 samples → 4.5e7 per run; a budget of 1e8 → 2 runs for 10 layers
        assertEquals(5, FitReference.perGroup(m, 10, 1_000_000, 1e8));
        assertEquals(10, FitReference.perGroup(m, 10, 1_000_000, 1));
    }
}
