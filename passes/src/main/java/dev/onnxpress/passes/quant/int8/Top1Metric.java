package dev.onnxpress.passes.quant.int8;

import dev.onnxpress.analysis.OutputMetrics;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The quality a mixed-precision search protects: top-1 accuracy against labels when the data has them,
 * else top-1 agreement with the float model. Top-1 is the arg max over the last axis of the model's
 * first output, one per row.
 */
final class Top1Metric {
    private final List<Map<String, Tensor>> samples;
    private final int[] reference;
    private final boolean labelled;

    private Top1Metric(List<Map<String, Tensor>> samples, int[] reference, boolean labelled) {
        this.samples = samples;
        this.reference = reference;
        this.labelled = labelled;
    }

    /** Uses labels when there is one per predicted row, else the float model's predictions. */
    static Top1Metric of(Model floatModel, List<Map<String, Tensor>> samples, Optional<int[]> labels) {
        int[] floatTop1 = predictions(floatModel, samples);
        if (labels.isPresent() && labels.get().length == floatTop1.length) {
            return new Top1Metric(samples, labels.get(), true);
        }
        return new Top1Metric(samples, floatTop1, false);
    }

    boolean labelled() {
        return labelled;
    }

    /** Fraction of rows whose top-1 matches the reference. */
    double score(Model m) {
        int[] p = predictions(m, samples);
        int hit = 0;
        for (int i = 0; i < p.length; i++) {
            hit += p[i] == reference[i] ? 1 : 0;
        }
        return p.length == 0 ? 0 : (double) hit / p.length;
    }

    static int[] predictions(Model m, List<Map<String, Tensor>> samples) {
        try (OrtRunner ort = OrtRunner.open(m, java.util.List.of(), OrtRunner.Options.defaults())) {
            String out = ort.outputNames().get(0);
            java.util.ArrayList<Integer> all = new java.util.ArrayList<>();
            for (Map<String, Tensor> feeds : samples) {
                Tensor y = ort.run(feeds, List.of(out)).get(out);
                int last = y.rank() == 0 ? 1 : (int) y.dim(y.rank() - 1);
                float[] v = y.toFloatArray();
                for (int r = 0; r + last <= v.length; r += last) {
                    all.add(OutputMetrics.argmax(v, r, last));
                }
            }
            return all.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
