package dev.onnxpress.pipeline;

import dev.onnxpress.ort.LatencyMode;
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
 * @param latencyIterations  at most this many timed rounds per latency figure (0: latency not measured)
 * @param latencyLevel       ORT optimizations for latency: what a deployment would use (verification
 *                           always runs with optimizations off)
 * @param verifyThreads      intra-op threads of verification and latency sessions (1: deterministic sums;
 *                           0: every core)
 * @param showProgress       draw progress bars on stderr
 * @param probeDims          sizes of symbolic input dimensions for random probe inputs, by dim name (or
 *                           {@code input[axis]} for an unnamed one)
 * @param memoryBudget       bytes one run's activations may need (estimated from static shapes); a model
 *                           that needs more is refused before it runs ({@link RunChecks})
 * @param latencyMode        how long latency may be measured ({@link dev.onnxpress.ort.PairedLatency})
 */
public record RunSettings(long seed, int probeSamples, int batchSize, int latencyIterations,
                          OptimizationLevel latencyLevel, int verifyThreads, boolean showProgress,
                          Map<String, Long> probeDims, long memoryBudget, LatencyMode latencyMode) {
    public RunSettings {
        probeDims = Map.copyOf(probeDims);
    }

    public RunSettings(long seed, int probeSamples, int batchSize, int latencyIterations,
                       OptimizationLevel latencyLevel, int verifyThreads, boolean showProgress,
                       Map<String, Long> probeDims) {
        this(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads, showProgress, probeDims,
                RunChecks.defaultMemoryBudget(), LatencyMode.QUICK);
    }

    public RunSettings(long seed, int probeSamples, int batchSize, int latencyIterations,
                       OptimizationLevel latencyLevel, int verifyThreads, boolean showProgress) {
        this(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads, showProgress, Map.of());
    }

    public static RunSettings defaults() {
        return new RunSettings(0, 8, 0, Integer.MAX_VALUE, OptimizationLevel.ALL, 1, System.console() != null);
    }

    /** Samples per ORT run; 0 picks it from the model ({@link AutoBatch}). */
    public RunSettings withBatchSize(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("batch size " + n);
        }
        return new RunSettings(seed, probeSamples, n, latencyIterations, latencyLevel, verifyThreads, showProgress,
                probeDims, memoryBudget, latencyMode);
    }

    /** Intra-op threads of ORT verification and latency sessions; 0 lets ORT use every core. */
    public RunSettings withThreads(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("threads " + n);
        }
        return new RunSettings(seed, probeSamples, batchSize, latencyIterations, latencyLevel, n, showProgress,
                probeDims, memoryBudget, latencyMode);
    }

    /** The batch size for {@code model}: {@link #batchSize} when set, else {@link AutoBatch#of}. */
    public int batchSizeFor(dev.onnxpress.ir.Model model) {
        return batchSize > 0 ? batchSize : AutoBatch.of(model);
    }

    /** The latency mode in effect: {@link #latencyMode()} capped at {@link #latencyIterations()} rounds. */
    public LatencyMode effectiveLatency() {
        return latencyMode.off() ? latencyMode
                : latencyMode.withMaxRounds(Math.min(latencyIterations, latencyMode.maxRounds()));
    }

    public RunSettings withLatencyMode(LatencyMode mode) {
        return new RunSettings(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads,
                showProgress, probeDims, memoryBudget, mode);
    }

    public RunSettings withProbeDims(Map<String, Long> dims) {
        return new RunSettings(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads,
                showProgress, dims, memoryBudget, latencyMode);
    }

    public RunSettings withMemoryBudget(long bytes) {
        return new RunSettings(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads,
                showProgress, probeDims, bytes, latencyMode);
    }

    public RunSettings withSeed(long s) {
        return new RunSettings(s, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads,
                showProgress, probeDims, memoryBudget, latencyMode);
    }

    public RunSettings withLatencyIterations(int n) {
        return new RunSettings(seed, probeSamples, batchSize, n, latencyLevel, verifyThreads, showProgress,
                probeDims, memoryBudget, latencyMode);
    }

    public RunSettings withProgress(boolean show) {
        return new RunSettings(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads, show,
                probeDims, memoryBudget, latencyMode);
    }
}
