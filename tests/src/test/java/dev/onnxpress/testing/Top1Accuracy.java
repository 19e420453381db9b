package dev.onnxpress.testing;

import dev.onnxpress.analysis.OutputMetrics;
import dev.onnxpress.data.Batch;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import java.util.List;

/**
 * Top-1 accuracy of a classifier over labelled batches: arg max of the first output's last axis against each
 * batch's own labels. The caller opens the runner, so it chooses the runner's options (threads, optimisation).
 */
public final class Top1Accuracy {
    private Top1Accuracy() {
    }

    public static double of(OrtRunner runner, List<Batch> batches) {
        long right = 0;
        long total = 0;
        String out = runner.outputNames().get(0);
        for (Batch b : batches) {
            Tensor y = runner.run(b.feeds(), List.of(out)).get(out);
            float[] v = y.toFloatArray();
            int classes = (int) y.dim(y.rank() - 1);
            int[] labels = b.labels().orElseThrow();
            for (int i = 0; i < b.count(); i++) {
                right += OutputMetrics.argmax(v, i * classes, classes) == labels[i] ? 1 : 0;
                total++;
            }
        }
        return right / (double) total;
    }
}
