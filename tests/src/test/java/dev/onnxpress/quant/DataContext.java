package dev.onnxpress.quant;

import dev.onnxpress.analysis.OutputMetrics;
import dev.onnxpress.data.Batch;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.DataSets;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.data.Preprocess;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.testing.SharedFiles;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;

/** A pass context over one named data set, cut into batches for one model (tests and benchmarks). */
final class DataContext implements PassContext {
    private final String name;
    private final DataSet data;
    private final ModelSignature signature;
    private final int batch;
    private final Random random = new Random(7);

    DataContext(String name, DataSet data, Model model, int batch) {
        this.name = name;
        this.data = data;
        this.batch = batch;
        try (OrtRunner ort = OrtRunner.open(ModelWriter.toBytes(model))) {
            this.signature = ModelSignature.of(ort);
        }
    }

    /** IDX images with labels under shared/data, pixel/255, the first {@code count} samples. */
    static DataSet idx(String images, String labels, int count) {
        return DataSets.idx(images, SharedFiles.data(images), Optional.of(SharedFiles.data(labels)),
                Preprocess.scale(1.0 / 255), count > 0 ? OptionalInt.of(count) : OptionalInt.empty());
    }

    static DataSet fashionCalibration(int count) {
        return idx("fashion-mnist/calib2k-images-idx3-ubyte.gz", "fashion-mnist/calib2k-labels-idx1-ubyte.gz", count);
    }

    static DataSet fashionTest(int count) {
        return idx("fashion-mnist/t10k-images-idx3-ubyte.gz", "fashion-mnist/t10k-labels-idx1-ubyte.gz", count);
    }

    static DataSet mnistTest(int count) {
        return idx("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz", count);
    }

    @Override
    public List<Map<String, Tensor>> samples(DataRef ref) {
        check(ref);
        return data.batches(signature, batch).stream().map(Batch::feeds).toList();
    }

    @Override
    public Optional<int[]> labels(DataRef ref) {
        check(ref);
        return data.labels();
    }

    private void check(DataRef ref) {
        if (!ref.name().equals(name)) {
            throw new AssertionError("the test has data set '" + name + "', the pass asked for '" + ref.name() + "'");
        }
    }

    @Override
    public Random random() {
        return random;
    }

    @Override
    public Progress progress() {
        return Progress.NONE;
    }

    /** Top-1 accuracy of a model on a labelled data set (first output, arg max over the last axis). */
    static double accuracy(byte[] model, DataSet data, OptimizationLevel level) {
        try (OrtRunner ort = OrtRunner.open(model, OrtRunner.Options.defaults().withOptimization(level))) {
            int[] labels = data.labels().orElseThrow();
            int hit = 0;
            int n = 0;
            String out = ort.outputNames().get(0);
            for (Batch b : data.batches(ModelSignature.of(ort), 256)) {
                Tensor y = ort.run(b.feeds(), List.of(out)).get(out);
                float[] v = y.toFloatArray();
                int k = (int) y.dim(y.rank() - 1);
                for (int r = 0; r < b.count(); r++) {
                    hit += OutputMetrics.argmax(v, r * k, k) == labels[b.first() + r] ? 1 : 0;
                    n++;
                }
            }
            return (double) hit / n;
        }
    }
}
