package dev.onnxpress.prune;

import dev.onnxpress.data.Batch;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.DataSets;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.data.Preprocess;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.testing.SharedFiles;
import dev.onnxpress.testing.Top1Accuracy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;

/** Fashion-MNIST from ../shared/data, shaped for a model: calibration batches, test batches, accuracy. */
public final class FashionMnist {
    private FashionMnist() {
    }

    public static DataSet calibration(int count) {
        return DataSets.idx("calib", SharedFiles.data("fashion-mnist/calib2k-images-idx3-ubyte.gz"),
                Optional.of(SharedFiles.data("fashion-mnist/calib2k-labels-idx1-ubyte.gz")),
                Preprocess.scale(1 / 255.0), OptionalInt.of(count));
    }

    public static DataSet test(int count) {
        return DataSets.idx("test", SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                Optional.of(SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz")),
                Preprocess.scale(1 / 255.0), OptionalInt.of(count));
    }

    public static List<Batch> batches(byte[] model, DataSet data, int batchSize) {
        try (OrtRunner r = OrtRunner.open(model)) {
            return data.batches(ModelSignature.of(r), batchSize);
        }
    }

    public static List<Map<String, Tensor>> feeds(List<Batch> batches) {
        return batches.stream().map(Batch::feeds).toList();
    }

    /** Top-1 accuracy of the model's first output over labelled batches. */
    public static double accuracy(byte[] model, List<Batch> batches) {
        try (OrtRunner r = OrtRunner.open(model, OrtRunner.Options.defaults().withIntraOpThreads(0))) {
            return Top1Accuracy.of(r, batches);
        }
    }

    /** A pass context serving one data set's batches under the name {@code calib}. */
    public static PassContext context(List<Map<String, Tensor>> calib) {
        return new PassContext() {
            private final Random random = new Random(11);

            @Override
            public List<Map<String, Tensor>> samples(DataRef data) {
                return calib;
            }

            @Override
            public Optional<int[]> labels(DataRef data) {
                return Optional.empty();
            }

            @Override
            public Random random() {
                return random;
            }

            @Override
            public Progress progress() {
                return Progress.NONE;
            }
        };
    }
}
