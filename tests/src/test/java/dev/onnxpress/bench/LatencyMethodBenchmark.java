package dev.onnxpress.bench;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.LatencyComparison;
import dev.onnxpress.ort.LatencyMode;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.ort.PairedLatency;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The same model timed as original and as candidate, 20 times: the old method (mean of 10 runs after 2
 * warm-up runs, each model measured on its own, speed-up = ratio of the two means) against
 * {@link PairedLatency} (interleaved rounds, median ratio with a 95 % interval, "≈ same" within noise).
 * A model is never faster than itself: every ratio away from 1 the old method prints is noise reported
 * as a result. Bundled LeNet-5, batch 1, ORT optimizations on, one thread.
 */
class LatencyMethodBenchmark {
    static final int TRIALS = 20;

    @Test
    void identicalModelsOldMethodVersusPaired() throws Exception {
        Path model = Path.of("..", "examples", "lenet5_fashion", "model.onnx");
        byte[] bytes = Files.readAllBytes(model);
        OrtRunner.Options o = OrtRunner.Options.defaults().withOptimization(OptimizationLevel.ALL);
        Map<String, Tensor> feeds = Map.of("input", Tensor.ofFloats(new long[] {1, 1, 28, 28}, new float[784]));
        double[] old = new double[TRIALS];
        int oldOff = 0;
        int same = 0;
        double[] paired = new double[TRIALS];
        double seconds = 0;
        for (int t = 0; t < TRIALS; t++) {
            try (OrtRunner a = OrtRunner.open(bytes, o); OrtRunner b = OrtRunner.open(bytes, o)) {
                double ma = a.measureLatency(feeds, 2, 10).meanMs();
                double mb = b.measureLatency(feeds, 2, 10).meanMs();
                old[t] = ma / mb;
                oldOff += Math.abs(old[t] - 1) > 0.10 ? 1 : 0;
                long t0 = System.nanoTime();
                try (OrtRunner.Timer ta = a.timer(feeds); OrtRunner.Timer tb = b.timer(feeds)) {
                    LatencyComparison c = PairedLatency.compare(ta, tb, LatencyMode.QUICK);
                    paired[t] = c.speedup();
                    same += c.verdict() == LatencyComparison.Verdict.SAME ? 1 : 0;
                }
                seconds += (System.nanoTime() - t0) / 1e9;
            }
        }
        Arrays.sort(old);
        Arrays.sort(paired);
        System.out.printf(Locale.ROOT, "| method | speed-up range over %d trials | shown as a gain or loss |%n"
                + "|---|---|---|%n| old: mean of 10 runs, separately | %.2f× .. %.2f× | %d of %d off by > 10 %% |%n"
                + "| paired, quick (%.2f s per comparison) | %.2f× .. %.2f× | %d of %d (the rest ≈ same) |%n",
                TRIALS, old[0], old[TRIALS - 1], oldOff, TRIALS, seconds / TRIALS, paired[0], paired[TRIALS - 1],
                TRIALS - same, TRIALS);
    }
}
