package dev.onnxpress.exits;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;

/** Labelled batches of the shared image sets, and a pass context serving them as {@code calib}. */
public final class ExitData {
    private ExitData() {
    }

    public static DataSet idx(String set, String split, int count) {
        return DataSets.idx(set + "-" + split, SharedFiles.data(set + "/" + split + "-images-idx3-ubyte.gz"),
                Optional.of(SharedFiles.data(set + "/" + split + "-labels-idx1-ubyte.gz")),
                Preprocess.scale(1 / 255.0), count > 0 ? OptionalInt.of(count) : OptionalInt.empty());
    }

    public static List<Batch> batches(byte[] model, DataSet data, int batchSize) {
        try (OrtRunner r = OrtRunner.open(model)) {
            return data.batches(ModelSignature.of(r), batchSize);
        }
    }

    public static PassContext context(List<Batch> calib) {
        List<Map<String, Tensor>> feeds = calib.stream().map(Batch::feeds).toList();
        List<Integer> all = new ArrayList<>();
        boolean labelled = calib.stream().allMatch(b -> b.labels().isPresent());
        if (labelled) {
            calib.forEach(b -> {
                for (int l : b.labels().get()) {
                    all.add(l);
                }
            });
        }
        int[] labels = all.stream().mapToInt(Integer::intValue).toArray();
        return new PassContext() {
            private final Random random = new Random(5);

            @Override
            public List<Map<String, Tensor>> samples(DataRef data) {
                return feeds;
            }

            @Override
            public Optional<int[]> labels(DataRef data) {
                return labelled ? Optional.of(labels) : Optional.empty();
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

    /** Top-1 accuracy of the model's first output. */
    public static double accuracy(byte[] model, List<Batch> batches) {
        try (OrtRunner r = OrtRunner.open(model)) {
            return Top1Accuracy.of(r, batches);
        }
    }
}
