package dev.onnxpress.data;

import dev.onnxpress.analysis.OutputMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.testing.SharedFiles;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The shared classifiers on their test sets reproduce the accuracies their SOURCE.txt files state. */
class AccuracyEndToEndTest {

    static int correct(OrtRunner r, DataSet d, int batchSize) {
        String output = r.outputNames().get(0);
        int correct = 0;
        for (Batch b : d.batches(ModelSignature.of(r), batchSize)) {
            Tensor logits = r.run(b.feeds(), List.of(output)).get(output);
            float[] v = logits.toFloatArray();
            int classes = (int) logits.dim(1);
            int[] labels = b.labels().orElseThrow();
            for (int i = 0; i < b.count(); i++) {
                correct += OutputMetrics.argmax(v, i * classes, classes) == labels[i] ? 1 : 0;
            }
        }
        return correct;
    }

    @Test
    void lenet5FashionScores08985() {
        DataSet test = DataSets.idx("test", SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                Optional.of(SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz")), Preprocess.scale(1 / 255.0),
                OptionalInt.empty());
        assertThat(test.size()).isEqualTo(10000);
        try (OrtRunner r = OrtRunner.open(SharedFiles.model("lenet5_fashion"))) {
            assertThat(correct(r, test, 500) / 10000.0).isEqualTo(0.8985);
        }
    }

    @Test
    void mnistCnnWithItsFixedBatchOfOneScores09927() {
        DataSet test = DataSets.idx("test", SharedFiles.data("mnist/t10k-images-idx3-ubyte.gz"),
                Optional.of(SharedFiles.data("mnist/t10k-labels-idx1-ubyte.gz")), Preprocess.scale(1 / 255.0),
                OptionalInt.empty());
        try (OrtRunner r = OrtRunner.open(SharedFiles.model("mnist_cnn"))) {
            List<Batch> batches = test.batches(ModelSignature.of(r), 256);
            assertThat(batches).hasSize(10000);
            assertThat(correct(r, test, 256) / 10000.0).isEqualTo(0.9927);
        }
    }

    @Test
    void calibrationSubsetHasTwoThousandImages() {
        DataSet calib = DataSets.idx("calib", SharedFiles.data("fashion-mnist/calib2k-images-idx3-ubyte.gz"),
                Optional.of(SharedFiles.data("fashion-mnist/calib2k-labels-idx1-ubyte.gz")), Preprocess.scale(1 / 255.0),
                OptionalInt.empty());
        assertThat(calib.size()).isEqualTo(2000);
        int[] counts = new int[10];
        for (int l : calib.labels().orElseThrow()) {
            counts[l]++;
        }
        assertThat(counts).containsExactly(194, 216, 202, 195, 186, 200, 194, 215, 198, 200);
        assertThat(Map.of()).isEmpty();
    }
}
