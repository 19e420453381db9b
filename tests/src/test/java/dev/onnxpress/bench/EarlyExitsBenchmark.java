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
 * ORT latency (optimizations ALL, one intra-op thread) at batch 1 and at batch 32 over the 10,000
 * Fashion-MNIST test images, and top-1 accuracy at both batch sizes: the original vgg_bn_fashion, early exits
 * with a batch gate (the whole batch exits only when every sample is confident) and with per-sample gating (a
 * Loop over the batch, each sample exits on its own). Run by name:
 * {@code mvn -pl tests test -Dtest=EarlyExitsBenchmark}; -Dexits.auto=N and -Dexits.drop=F change the recipe.
 */
class EarlyExitsBenchmark {
    @Test
    void vggBnFashion() {
        int auto = Integer.getInteger("exits.auto", 1);
        double drop = Double.parseDouble(System.getProperty("exits.drop", "0.005"));
        Model base = ModelReader.read(SharedFiles.model("vgg_bn_fashion"));
        byte[] original = ModelWriter.toBytes(base);
        List<Batch> calib = ExitData.batches(original, ExitData.idx("fashion-mnist", "calib2k", 2000), 100);
        List<Batch> one = ExitData.batches(original, ExitData.idx("fashion-mnist", "t10k", 0), 1);
        List<Batch> many = ExitData.batches(original, ExitData.idx("fashion-mnist", "t10k", 0), 32);
        StringBuilder sb = new StringBuilder("\n| model | top-1 batch 1 | top-1 batch 32 | ms/image batch 1"
                + " | ms/image batch 32 |\n|---|---|---|---|---|\n");
        row(sb, "vgg_bn_fashion", original, one, many);
        for (AddEarlyExitsOptions.Gating gating : AddEarlyExitsOptions.Gating.values()) {
            Model m = base.copy();
            PassResult r = new AddEarlyExitsPass().run(m, AddEarlyExitsOptions.auto(auto, new DataRef("calib"), drop)
                    .withGating(gating), ExitData.context(calib));
            row(sb, "+ add_early_exits(auto_count=" + auto + ", max_drop=" + drop + ", gating="
                    + gating.name().toLowerCase(java.util.Locale.ROOT) + ")", ModelWriter.toBytes(m), one, many);
            sb.append("\n").append(r.notes()).append("\n").append(r.statistics()).append("\n\n");
        }
        System.out.println(sb);
    }

    private static void row(StringBuilder sb, String name, byte[] model, List<Batch> one, List<Batch> many) {
        double[] a = measure(model, one);
        double[] b = measure(model, many);
        sb.append(String.format("| %s | %.4f | %.4f | %.4f | %.4f |%n", name, a[0], b[0], a[1], b[1]));
    }

    /** {accuracy, mean ms per image}: one timed run per batch, after 200 warm-up runs. */
    private static double[] measure(byte[] model, List<Batch> batches) {
        try (OrtRunner r = OrtRunner.open(model, OrtRunner.Options.defaults()
                .withOptimization(dev.onnxpress.ort.OptimizationLevel.ALL).withIntraOpThreads(1))) {
            String out = r.outputNames().get(0);
            for (int i = 0; i < 200; i++) {
                r.run(batches.get(i % batches.size()).feeds(), List.of(out));
            }
            long nanos = 0;
            int right = 0;
            int images = 0;
            for (Batch b : batches) {
                long t0 = System.nanoTime();
                Tensor y = r.run(b.feeds(), List.of(out)).get(out);
                nanos += System.nanoTime() - t0;
                float[] v = y.toFloatArray();
                int classes = v.length / b.count();
                int[] labels = b.labels().orElseThrow();
                for (int s = 0; s < b.count(); s++) {
                    int best = 0;
                    for (int c = 1; c < classes; c++) {
                        best = v[s * classes + c] > v[s * classes + best] ? c : best;
                    }
                    right += best == labels[s] ? 1 : 0;
                }
                images += b.count();
            }
            return new double[] {right / (double) images, nanos / 1e6 / images};
        }
    }
}
