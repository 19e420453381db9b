package dev.onnxpress.scale;

import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import java.nio.file.Path;
import java.util.Map;

/**
 * Plain ONNX Runtime over the same seeded samples a scale run calibrates on: the baseline of
 * {@code ScaleBenchmark}. Samples are {@link ScaleModels#normalSample} with seeds 0, 1, 2, …, fed
 * {@code batch} at a time (concatenated on axis 0) when the model's batch dimension is symbolic.
 */
final class OrtBaseline {
    private OrtBaseline() {
    }

    static void run(Path model, String input, long[] sampleDims, int samples, int batch, int threads) {
        long t0 = System.nanoTime();
        try (OrtRunner ort = OrtRunner.open(model, OrtRunner.Options.defaults().withIntraOpThreads(threads))) {
            long t1 = System.nanoTime();
            long inRuns = 0;
            for (int first = 0; first < samples; first += batch) {
                int n = Math.min(batch, samples - first);
                Map<String, Tensor> feeds = Map.of(input, samples(sampleDims, first, n));
                long r0 = System.nanoTime();
                ort.run(feeds);
                inRuns += System.nanoTime() - r0;
            }
            System.out.println("ORT open_ms=" + (t1 - t0) / 1_000_000 + " run_ms=" + inRuns / 1_000_000);
        }
    }

    /** Samples {@code first … first+n-1}, stacked on axis 0 ({@code sampleDims[0]} is 1). */
    static Tensor samples(long[] sampleDims, int first, int n) {
        long[] dims = sampleDims.clone();
        dims[0] = n;
        int per = Math.toIntExact(Tensor.elementCount(sampleDims));
        float[] all = new float[per * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(ScaleModels.normalSample(sampleDims, first + i).toFloatArray(), 0, all, i * per, per);
        }
        return Tensor.ofFloats(dims, all);
    }
}
