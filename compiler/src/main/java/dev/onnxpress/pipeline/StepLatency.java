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
 *
 * <p>The input model's latency session is opened on first use and serves the baseline and every step's
 * comparison until {@link #close()}, or until {@link #release()} before a data-driven pass (reopened after
 * it); each candidate gets one latency session of its own.
 */
final class StepLatency implements AutoCloseable {
    private final RunnableModel original;
    private OrtRunner originalSession;
    private final RunSettings settings;
    private final LatencyMode mode;
    private ModelSignature originalSignature;
    private Evaluator evaluator;

    StepLatency(RunnableModel original, RunSettings settings) {
        this.original = original;
        this.settings = settings;
        this.mode = settings.effectiveLatency();
    }

    /** The input model's signature and the data the timed sample comes from; returns this. */
    StepLatency measuredOn(ModelSignature originalSignature, Evaluator evaluator) {
        this.originalSignature = originalSignature;
        this.evaluator = evaluator;
        return this;
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
        try (OrtRunner.Timer t = originalSession().timer(evaluator.oneSample(originalSignature))) {
            return PairedLatency.measure(t, mode);
        }
    }

    /**
     * Samples a model whose work depends on its input (control flow: early exits) is timed over, each run
     * on the next of them, so its figure is the mean over the data rather than the path of one sample.
     */
    static final int DATA_DEPENDENT_SAMPLES = 64;

    /** The candidate timed against the input model; empty when latency is off. */
    Optional<LatencyComparison> compare(RunnableModel candidate, ModelSignature signature) {
        return compare(candidate, signature, false);
    }

    /**
     * The candidate timed against the input model, both over {@link #DATA_DEPENDENT_SAMPLES} samples in turn
     * when {@code dataDependent}; empty when latency is off.
     */
    Optional<LatencyComparison> compare(RunnableModel candidate, ModelSignature signature, boolean dataDependent) {
        if (mode.off()) {
            return Optional.empty();
        }
        int n = dataDependent ? DATA_DEPENDENT_SAMPLES : 1;
        try (OrtRunner b = open(candidate);
             OrtRunner.Timer ta = originalSession().timer(evaluator.samples(originalSignature, n));
             OrtRunner.Timer tb = b.timer(evaluator.samples(signature, n))) {
            return Optional.of(PairedLatency.compare(ta, tb, mode));
        }
    }

    /** Input-model latency sessions opened so far in this JVM (tests). */
    static final java.util.concurrent.atomic.AtomicLong ORIGINAL_OPENS = new java.util.concurrent.atomic.AtomicLong();

    private OrtRunner originalSession() {
        if (originalSession == null) {
            originalSession = open(original);
            ORIGINAL_OPENS.incrementAndGet();
        }
        return originalSession;
    }

    /** Whether what a model computes, and so its time, depends on its input: it holds control flow. */
    static boolean dataDependent(dev.onnxpress.ir.Model model) {
        return model.graph().nodes().stream().anyMatch(n -> n.is("If") || n.is("Loop") || n.is("Scan"));
    }

    private OrtRunner open(RunnableModel model) {
        return model.open(OrtRunner.Options.defaults().withOptimization(settings.latencyLevel())
                .withIntraOpThreads(settings.verifyThreads()));
    }

    /**
     * Closes the input model's latency session for now (the next comparison opens it again): a large model's
     * session, kept open while a data-driven pass runs sessions of its own, adds the model's size to the
     * run's peak memory.
     */
    void release() {
        close();
    }

    /** Closes the input model's latency session, if one was opened. */
    @Override
    public void close() {
        if (originalSession != null) {
            originalSession.close();
            originalSession = null;
        }
    }
}
