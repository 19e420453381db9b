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

    public static RunSettings defaults() {
        return new RunSettings(0, 8, 0, Integer.MAX_VALUE, OptimizationLevel.ALL, 1, System.console() != null,
                Map.of(), RunChecks.defaultMemoryBudget(), LatencyMode.QUICK);
    }

    /** These settings, to change some of them: {@code s.toBuilder().seed(3).probeSamples(16).build()}. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Samples per ORT run; 0 picks it from the model ({@link AutoBatch}). */
    public RunSettings withBatchSize(int n) {
        return toBuilder().batchSize(n).build();
    }

    /** Intra-op threads of ORT verification and latency sessions; 0 lets ORT use every core. */
    public RunSettings withThreads(int n) {
        return toBuilder().verifyThreads(n).build();
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
        return toBuilder().latencyMode(mode).build();
    }

    public RunSettings withProbeDims(Map<String, Long> dims) {
        return toBuilder().probeDims(dims).build();
    }

    public RunSettings withMemoryBudget(long bytes) {
        return toBuilder().memoryBudget(bytes).build();
    }

    public RunSettings withSeed(long s) {
        return toBuilder().seed(s).build();
    }

    public RunSettings withLatencyIterations(int n) {
        return toBuilder().latencyIterations(n).build();
    }

    public RunSettings withProgress(boolean show) {
        return toBuilder().showProgress(show).build();
    }

    /** Run settings one field at a time, starting from others ({@link #toBuilder()}). */
    public static final class Builder {
        private long seed;
        private int probeSamples;
        private int batchSize;
        private int latencyIterations;
        private OptimizationLevel latencyLevel;
        private int verifyThreads;
        private boolean showProgress;
        private Map<String, Long> probeDims;
        private long memoryBudget;
        private LatencyMode latencyMode;

        private Builder(RunSettings s) {
            seed = s.seed;
            probeSamples = s.probeSamples;
            batchSize = s.batchSize;
            latencyIterations = s.latencyIterations;
            latencyLevel = s.latencyLevel;
            verifyThreads = s.verifyThreads;
            showProgress = s.showProgress;
            probeDims = s.probeDims;
            memoryBudget = s.memoryBudget;
            latencyMode = s.latencyMode;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder probeSamples(int n) {
            probeSamples = n;
            return this;
        }

        /** Samples per ORT run; 0 picks it from the model ({@link AutoBatch}). */
        public Builder batchSize(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("batch size " + n);
            }
            batchSize = n;
            return this;
        }

        public Builder latencyIterations(int n) {
            latencyIterations = n;
            return this;
        }

        public Builder latencyLevel(OptimizationLevel level) {
            latencyLevel = level;
            return this;
        }

        /** Intra-op threads of ORT verification and latency sessions; 0 lets ORT use every core. */
        public Builder verifyThreads(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("threads " + n);
            }
            verifyThreads = n;
            return this;
        }

        public Builder showProgress(boolean show) {
            showProgress = show;
            return this;
        }

        public Builder probeDims(Map<String, Long> dims) {
            probeDims = dims;
            return this;
        }

        public Builder memoryBudget(long bytes) {
            memoryBudget = bytes;
            return this;
        }

        public Builder latencyMode(LatencyMode mode) {
            latencyMode = mode;
            return this;
        }

        public RunSettings build() {
            return new RunSettings(seed, probeSamples, batchSize, latencyIterations, latencyLevel, verifyThreads,
                    showProgress, probeDims, memoryBudget, latencyMode);
        }
    }
}
