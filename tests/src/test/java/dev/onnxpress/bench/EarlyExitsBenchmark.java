package dev.onnxpress.bench;

import dev.onnxpress.data.Batch;
import dev.onnxpress.exits.ExitData;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.exits.AddEarlyExitsOptions;
import dev.onnxpress.passes.exits.AddEarlyExitsPass;
import dev.onnxpress.testing.SharedFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Mean batch-1 ORT latency (optimizations ALL, one intra-op thread) over the 10,000 Fashion-MNIST test
 * images, original vs with early exits, and top-1 accuracy of both. Run by name:
 * {@code mvn -pl tests test -Dtest=EarlyExitsBenchmark}; -Dexits.auto=N and -Dexits.drop=F change the recipe.
 */
class EarlyExitsBenchmark {
    @Test
    void vggBnFashion() {
        int auto = Integer.getInteger("exits.auto", 1);
        double drop = Double.parseDouble(System.getProperty("exits.drop", "0.005"));
        Model m = ModelReader.read(SharedFiles.model("vgg_bn_fashion"));
        byte[] original = ModelWriter.toBytes(m);
        List<Batch> calib = ExitData.batches(original, ExitData.idx("fashion-mnist", "calib2k", 2000), 100);
        List<Batch> test = ExitData.batches(original, ExitData.idx("fashion-mnist", "t10k", 0), 1);
        PassResult r = new AddEarlyExitsPass().run(m, AddEarlyExitsOptions.auto(auto, new DataRef("calib"), drop),
                ExitData.context(calib));
        byte[] exits = ModelWriter.toBytes(m);
        double[] base = measure(original, test);
        double[] fast = measure(exits, test);
        StringBuilder sb = new StringBuilder("\n| model | top-1 (10k) | mean batch-1 latency (ms) | speedup |\n"
                + "|---|---|---|---|\n");
        sb.append(String.format("| vgg_bn_fashion | %.4f | %.4f | 1.00× |%n", base[0], base[1]));
        sb.append(String.format("| + add_early_exits(auto_count=%d, max_drop=%s) | %.4f | %.4f | %.2f× |%n", auto,
                drop, fast[0], fast[1], base[1] / fast[1]));
        sb.append("\n").append(r.notes()).append("\n").append(r.statistics()).append("\n");
        System.out.println(sb);
    }

    /** {accuracy, mean ms per image}: one timed run per image, after 200 warm-up runs. */
    private static double[] measure(byte[] model, List<Batch> images) {
        try (OrtRunner r = OrtRunner.open(model, OrtRunner.Options.defaults()
                .withOptimization(dev.onnxpress.ort.OptimizationLevel.ALL))) {
            String out = r.outputNames().get(0);
            for (int i = 0; i < 200; i++) {
                r.run(images.get(i).feeds(), List.of(out));
            }
            long nanos = 0;
            int right = 0;
            for (Batch b : images) {
                long t0 = System.nanoTime();
                Tensor y = r.run(b.feeds(), List.of(out)).get(out);
                nanos += System.nanoTime() - t0;
                float[] v = y.toFloatArray();
                int best = 0;
                for (int c = 1; c < v.length; c++) {
                    best = v[c] > v[best] ? c : best;
                }
                right += best == b.labels().orElseThrow()[0] ? 1 : 0;
            }
            return new double[] {right / (double) images.size(), nanos / 1e6 / images.size()};
        }
    }
}
