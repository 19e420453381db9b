package dev.onnxpress.quant;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.PassContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** Seeded probe images (uniform in [lo, hi)) of one fixed shape, for models without a labelled data set. */
final class ProbeContext implements PassContext {
    private final List<Map<String, Tensor>> samples;

    ProbeContext(List<Map<String, Tensor>> samples) {
        this.samples = List.copyOf(samples);
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

    @Override
    public List<Map<String, Tensor>> samples(DataRef data) {
        return samples;
    }

    @Override
    public Optional<int[]> labels(DataRef data) {
        return Optional.empty();
    }

    @Override
    public Random random() {
        return new Random(3);
    }

    @Override
    public Progress progress() {
        return Progress.NONE;
    }

    /** Cosine similarity of two outputs, over all their elements. */
    static double cosine(Tensor a, Tensor b) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double xy = 0;
        double xx = 0;
        double yy = 0;
        for (int i = 0; i < x.length; i++) {
            xy += (double) x[i] * y[i];
            xx += (double) x[i] * x[i];
            yy += (double) y[i] * y[i];
        }
        return xy / Math.sqrt(xx * yy);
    }
}
