package dev.onnxpress.quant;

import dev.onnxpress.analysis.OutputMetrics;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.FixedSamplesContext;
import dev.onnxpress.passes.PassContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded probe images (uniform in [lo, hi)) of one fixed shape, for models without a labelled data set. */
final class ProbeContext {
    private ProbeContext() {
    }

    /** A context serving {@code samples} for every data set; each {@code random()} starts afresh from seed 3. */
    static PassContext of(List<Map<String, Tensor>> samples) {
        return new FixedSamplesContext(samples, 3);
    }

    static List<Map<String, Tensor>> probes(String input, long[] shape, double lo, double hi, int count, long seed) {
        Random r = new Random(seed);
        List<Map<String, Tensor>> out = new ArrayList<>();
        int n = (int) Tensor.elementCount(shape);
        for (int k = 0; k < count; k++) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (lo + (hi - lo) * r.nextDouble());
            }
            out.add(Map.of(input, Tensor.ofFloats(shape, v)));
        }
        return out;
    }

    /** Cosine similarity of two outputs, over all their elements. */
    static double cosine(Tensor a, Tensor b) {
        OutputMetrics.Cosine c = new OutputMetrics.Cosine();
        c.add(a.toFloatArray(), b.toFloatArray());
        return c.value();
    }
}
