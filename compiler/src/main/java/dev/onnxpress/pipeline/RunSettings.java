package dev.onnxpress.pipeline;

import dev.onnxpress.ort.OptimizationLevel;
import java.util.Map;

/**
 * How a recipe is run, besides the recipe itself.
 *
 * @param seed               seeds random probe inputs and every pass's random
 * @param probeSamples       random probe samples when the recipe declares no evaluation data
 * @param batchSize          samples per ORT run (a model's fixed batch dimension wins); 0 picks it from the
 *                           model's activation size ({@link AutoBatch}: 256 for small models, a few for a
 *                           ResNet-50), so a run's memory does not depend on how many samples the data has
 * @param latencyIterations  timed runs per latency measurement (0: latency not measured)
 * @param latencyLevel       ORT optimizations for latency: what a deployment would use (verification
 *                           always runs with optimizations off)
 * @param verifyThreads      intra-op threads of verification and latency sessions (1: deterministic sums;
 *                           0: every core)
 * @param showProgress       draw progress bars on stderr
 * @param probeDims          sizes of symbolic input dimensions for random probe inputs, by dim name (or
 *                           {@code input[axis]} for an unnamed one)
 */
public record RunSettings(long seed, int probeSamples, int batchSize, int latencyIterations,
                          OptimizationLevel latencyLevel, int verifyThreads, boolean showProgress,
                          Map<String, Long> probeDims) {
    public RunSettings {
        probeDims = Map.copyOf(probeDims);
    }

    public RunSettings(long seed, int probeSamples, int batchSize, int latencyIterations,
                       OptimizationLevel latencyLevel, int verifyThreads, boolean showProgress) {
        this(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads, showProgress, Map.of());
    }

    public static RunSettings defaults() {
        return new RunSettings(0, 8, 0, 10, OptimizationLevel.ALL, 1, System.console() != null);
    }

    /** Samples per ORT run; 0 picks it from the model ({@link AutoBatch}). */
    public RunSettings withBatchSize(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("batch size " + n);
        }
        return new RunSettings(seed, probeSamples, n, latencyIterations, latencyLevel, verifyThreads, showProgress, probeDims);
    }

    /** Intra-op threads of ORT verification and latency sessions; 0 lets ORT use every core. */
    public RunSettings withThreads(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("threads " + n);
        }
        return new RunSettings(seed, probeSamples, batchSize, latencyIterations, latencyLevel, n, showProgress, probeDims);
    }

    /** The batch size for {@code model}: {@link #batchSize} when set, else {@link AutoBatch#of}. */
    public int batchSizeFor(dev.onnxpress.ir.Model model) {
        return batchSize > 0 ? batchSize : AutoBatch.of(model);
    }

    public RunSettings withProbeDims(Map<String, Long> dims) {
        return new RunSettings(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads,
                showProgress, dims);
    }

    public RunSettings withSeed(long s) {
        return new RunSettings(s, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads, showProgress, probeDims);
    }

    public RunSettings withLatencyIterations(int n) {
        return new RunSettings(seed, probeSamples, batchSize, n, latencyLevel, verifyThreads, showProgress, probeDims);
    }

    public RunSettings withProgress(boolean show) {
        return new RunSettings(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads, show, probeDims);
    }
}
