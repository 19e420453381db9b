package dev.onnxpress.bench;

import dev.onnxpress.analysis.Macs;
import dev.onnxpress.analysis.ModelStats;
import dev.onnxpress.data.Batch;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.LatencyStats;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Criterion;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.RefitRidge;
import dev.onnxpress.passes.prune.channels.PruneChannelsPass;
import dev.onnxpress.prune.FashionMnist;
import dev.onnxpress.testing.SharedFiles;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * prune_channels on vgg_bn_fashion, no retraining: criterion=reconstruction (ThiNet: each layer loses the
 * channels whose removal least changes the next layer's output on calibration data), a per-layer
 * allocation ({@code ratio_layers}/{@code ratios}) with kept counts in multiples of 16 (the NCHWc block of
 * ORT's AVX-512 Conv kernels: 24 channels run as 32, so a multiple of 8 buys MACs but no time), and
 * ThiNet-style compensation (each consumer refit against the unpruned model's outputs, ridge chosen per
 * layer on held-out rows) on all 2000 calibration images.
 *
 * <p>Everything was chosen on the calibration set only, by {@link PruneChannelsCalibrationSearch} (fit on
 * its first 1000 images, accuracy on the other 1000; unpruned 96.2 %): per-layer sensitivities, the six
 * best allocations with ≥ 2.02× fewer MACs by their summed drops, each checked together. Kept
 * 32, 16, 48, 64, 48, 112 of 32, 32, 64, 64, 128, 128 won at 94.3 % held out; at that allocation
 * reconstruction beat l1 (94.2–94.6 % vs 93.3–93.5 %), and with the centred Gram added afterwards
 * (the search itself ran before it) reconstruction + held_out ridge scored 94.6 %, the best of the four.
 * Rerun with the centred Gram, the search's own winner was 16, 32, 32, 64, 80, 64 at 94.3 % (94.8 % with
 * the fixed ridge); the allocation above stays, as the best held-out score measured with the same code,
 * though 1000 held-out images resolve only about ±0.7 points. The test set is used once, for the table.
 *
 * <p>Measures, in one run, MACs, parameters, file size, ORT batch-1 latency (optimizations ALL, one
 * thread, median of 2000 runs after 200 warm-up, the two models alternated three times) and accuracy
 * on the full 10k Fashion-MNIST test set, before and after; prints a Markdown table. Not a test: run it
 * by name. Target: ≥ 2× fewer MACs, ≥ 1.5× lower latency, ≤ 1.0 point drop.
 */
class PruneChannelsBenchmark {
    private static final int WARMUP = 200;
    private static final int ITERATIONS = 2000;

    @Test
    void vggBnFashion() {
        Model base = ModelReader.read(SharedFiles.model("vgg_bn_fashion"));
        byte[] before = ModelWriter.toBytes(base);
        List<Batch> test = FashionMnist.batches(before, FashionMnist.test(10_000), 500);
        List<Map<String, Tensor>> calib = FashionMnist.feeds(FashionMnist.batches(before,
                FashionMnist.calibration(2000), 250));

        Model pruned = base.copy();
        // fraction of each conv's channels removed (32→32, 32→16, 64→48, 64→64, 128→48, 128→112)
        double[] ratios = {0.0, 0.5, 0.25, 0.0, 0.625, 0.125};
        PruneChannelsOptions options = PruneChannelsCalibrationSearch.options(ratios, Criterion.reconstruction,
                RefitRidge.held_out);
        long t0 = System.nanoTime();
        PassResult r = new PruneChannelsPass().run(pruned, options, FashionMnist.context(calib));
        double passSeconds = (System.nanoTime() - t0) / 1e9;
        byte[] after = ModelWriter.toBytes(pruned);

        Map<String, Tensor> one = Map.of("input", test.get(0).feeds().get("input").reshape(500, 1, 28, 28));
        Tensor single = Tensor.ofRaw(one.get("input").dataType(), new long[] {1, 1, 28, 28},
                java.util.Arrays.copyOf(one.get("input").rawBytes(), 28 * 28 * 4));
        // alternate the two models so that machine load affects both alike
        double[] lat = new double[2];
        for (int round = 0; round < 3; round++) {
            lat[0] += latency(before, single) / 3;
            lat[1] += latency(after, single) / 3;
        }
        double acc0 = FashionMnist.accuracy(before, test);
        double acc1 = FashionMnist.accuracy(after, test);
        long macs0 = Macs.estimate(base).orElseThrow().total();
        long macs1 = Macs.estimate(pruned).orElseThrow().total();
        long p0 = ModelStats.of(base).parameters();
        long p1 = ModelStats.of(pruned).parameters();

        StringBuilder sb = new StringBuilder();
        sb.append("\n### prune_channels on vgg_bn_fashion (reconstruction, per-layer ratios ")
                .append(java.util.Arrays.toString(ratios))
                .append(", round_to 16, compensate with held-out ridge on 2000 calibration images; pass took ").append(String.format(Locale.ROOT, "%.1f s)%n%n", passSeconds));
        sb.append("| metric | before | after | ratio |\n|---|---:|---:|---:|\n");
        row(sb, "MACs (batch 1)", macs0, macs1);
        row(sb, "parameters", p0, p1);
        row(sb, "file size (bytes)", before.length, after.length);
        sb.append(String.format(Locale.ROOT, "| ORT latency, batch 1, ALL, 1 thread (median ms) | %.4f | %.4f | %.2f× |%n",
                lat[0], lat[1], lat[0] / lat[1]));
        sb.append(String.format(Locale.ROOT, "| top-1 accuracy, 10k test | %.4f | %.4f | %+.2f points |%n",
                acc0, acc1, (acc1 - acc0) * 100));
        sb.append("\nper layer: ").append(r.details().get("layers")).append('\n');
        sb.append("compensation: ").append(r.details().get("compensation")).append('\n');
        sb.append("notes: ").append(r.notes()).append('\n');
        System.out.println(sb);
    }

    private static void row(StringBuilder sb, String name, long a, long b) {
        sb.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %.2f× |%n", name, a, b, a / (double) b));
    }

    private static double latency(byte[] model, Tensor input) {
        OrtRunner.Options o = OrtRunner.Options.defaults().withOptimization(OptimizationLevel.ALL).withIntraOpThreads(1);
        try (OrtRunner r = OrtRunner.open(model, o)) {
            LatencyStats s = r.measureLatency(Map.of("input", input), WARMUP, ITERATIONS);
            return s.medianMs();
        }
    }
}
