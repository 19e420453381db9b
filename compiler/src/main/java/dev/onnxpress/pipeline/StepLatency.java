package dev.onnxpress.pipeline;

import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.ort.LatencyComparison;
import dev.onnxpress.ort.LatencyMode;
import dev.onnxpress.ort.LatencyStats;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.ort.PairedLatency;
import java.util.Optional;

/**
 * Latency of a run's models: the input model alone (the baseline figure), and every changed step's model
 * timed against the input model in interleaved rounds ({@link PairedLatency}), so the step's speed-up
 * comes from rounds under the same conditions rather than from two figures taken minutes apart. One
 * sample, ORT optimizations as {@link RunSettings#latencyLevel()} (what a deployment would run).
 */
final class StepLatency {
    private final byte[] original;
    private final ModelSignature originalSignature;
    private final Evaluator evaluator;
    private final RunSettings settings;
    private final LatencyMode mode;

    StepLatency(byte[] original, ModelSignature originalSignature, Evaluator evaluator, RunSettings settings) {
        this.original = original;
        this.originalSignature = originalSignature;
        this.evaluator = evaluator;
        this.settings = settings;
        this.mode = settings.effectiveLatency();
    }

    /** Whether latency is not measured at all (--latency off, or no timed rounds allowed). */
    boolean off() {
        return mode.off();
    }

    /** Median ms of one run of the input model, NaN when latency is off. */
    double baselineMs() {
        return mode.off() ? Double.NaN : baseline().medianMs();
    }

    /** The input model timed alone. */
    LatencyStats baseline() {
        try (OrtRunner r = open(original); OrtRunner.Timer t = r.timer(evaluator.oneSample(originalSignature))) {
            return PairedLatency.measure(t, mode);
        }
    }

    /** The candidate timed against the input model; empty when latency is off. */
    Optional<LatencyComparison> compare(byte[] candidate, ModelSignature signature) {
        if (mode.off()) {
            return Optional.empty();
        }
        try (OrtRunner a = open(original); OrtRunner b = open(candidate);
             OrtRunner.Timer ta = a.timer(evaluator.oneSample(originalSignature));
             OrtRunner.Timer tb = b.timer(evaluator.oneSample(signature))) {
            return Optional.of(PairedLatency.compare(ta, tb, mode));
        }
    }

    private OrtRunner open(byte[] model) {
        return OrtRunner.open(model, OrtRunner.Options.defaults().withOptimization(settings.latencyLevel())
                .withIntraOpThreads(settings.verifyThreads()));
    }
}
