package dev.onnxpress.pipeline;

import dev.onnxpress.data.ProbeValues;

import dev.onnxpress.bind.DataDeclaration;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ort.LatencyComparison;
import dev.onnxpress.ort.LatencyMode;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.report.PipelineReport.Metrics;
import dev.onnxpress.runtime.OnnxpressRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One or two models run on the same data outside a recipe ({@code onnxpress eval}, {@code compare}),
 * with the pipeline's own evaluator, metrics and latency method: what a step of a run would report about
 * them. Models run as verification runs them (ORT optimizations off, deterministic threads); latency as
 * the pipeline times it (optimizations on, {@link StepLatency}).
 */
public final class ModelEvaluation {
    private final Evaluator evaluator;
    private final RunSettings settings;

    private ModelEvaluation(Evaluator evaluator, RunSettings settings) {
        this.evaluator = evaluator;
        this.settings = settings;
    }

    /** On a declared data set (labels, if it has them, give accuracy). */
    public static ModelEvaluation on(DataDeclaration data, RunSettings settings) {
        return new ModelEvaluation(Evaluator.declared(data, settings.batchSize()), settings);
    }

    /** On a loaded data set (labels, if it has them, give accuracy). */
    public static ModelEvaluation on(dev.onnxpress.data.DataSet data, RunSettings settings) {
        return new ModelEvaluation(Evaluator.of(data, data.name() + ": " + data.size() + " samples"
                + (data.labels().isPresent() ? ", labelled" : ""), settings.batchSize()), settings);
    }

    /** On seeded random probes ({@link RunSettings#probeSamples()}, sized by {@link RunSettings#probeDims()}). */
    public static ModelEvaluation onProbes(RunSettings settings, Path model) {
        ProbeValues values = Files.isRegularFile(model) ? ProbeValues.of(ModelReader.read(model)) : ProbeValues.none();
        return new ModelEvaluation(Evaluator.probes(settings.probeSamples(), settings.seed(), settings.batchSize(),
                settings.probeDims(), values), settings);
    }

    public String dataDescription() {
        return evaluator.description();
    }

    /** One model's outputs on the data. */
    public Evaluated run(Path model) {
        if (!Files.isRegularFile(model)) {
            throw new UserException("model not found: " + model);
        }
        Model m = ModelReader.read(model);
        // a model too large for bytes is written to a temporary folder the shutdown hook removes
        RunnableModel runnable = RunnableModel.of(m);
        try (OrtRunner r = OnnxpressRuntime.open(model, verifyOptions())) {
            ModelSignature sig = ModelSignature.of(r);
            Outputs outputs = evaluator.run(r, dev.onnxpress.passes.PassContext.Progress.NONE, model.toString());
            return new Evaluated(model, runnable, sig, outputs);
        }
    }

    /** A model held in memory (plain ONNX bytes), run as {@link #run(Path)} runs a file; {@code name} names it. */
    public Evaluated run(byte[] model, String name) {
        try (OrtRunner r = OrtRunner.open(model, verifyOptions())) {
            ModelSignature sig = ModelSignature.of(r);
            Outputs outputs = evaluator.run(r, dev.onnxpress.passes.PassContext.Progress.NONE, name);
            return new Evaluated(Path.of(name), RunnableModel.ofBytes(model), sig, outputs);
        }
    }

    private OrtRunner.Options verifyOptions() {
        return OrtRunner.Options.defaults().withOptimization(OptimizationLevel.NONE)
                .withIntraOpThreads(settings.verifyThreads());
    }

    /** A model run on the data. */
    public final class Evaluated {
        private final Path path;
        private final RunnableModel runnable;
        private final ModelSignature signature;
        private final Outputs outputs;

        private Evaluated(Path path, RunnableModel runnable, ModelSignature signature, Outputs outputs) {
            this.path = path;
            this.runnable = runnable;
            this.signature = signature;
            this.outputs = outputs;
        }

        public Path path() {
            return path;
        }

        public List<String> outputNames() {
            return List.copyOf(outputs.names());
        }

        /** Share of samples whose top class is the label, when the data has labels and the model classifies. */
        public OptionalDouble accuracy() {
            return Fidelity.accuracy(outputs, evaluator.labels());
        }

        /** Number of samples run. */
        public int samples() {
            return evaluator.samples();
        }
    }

    /** Metrics of {@code candidate} against {@code reference}, per output (by name) and over all outputs. */
    public record Comparison(Map<String, Metrics> perOutput, Metrics overall) {
    }

    /**
     * {@code candidate} against {@code reference}: the outputs both models have, by name, must hold the same
     * number of values. Top-1 agreement is measured on the first output when it looks like a classifier's.
     */
    public Comparison compare(Evaluated candidate, Evaluated reference) {
        Map<String, FloatSeries> ref = reference.outputs.series();
        Map<String, FloatSeries> cand = candidate.outputs.series();
        if (!ref.keySet().equals(cand.keySet())) {
            throw new UserException("the models have different outputs: " + reference.path + " has " + ref.keySet()
                    + ", " + candidate.path + " has " + cand.keySet());
        }
        Map<String, Metrics> per = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(ref.keySet());
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (ref.get(n).length() != cand.get(n).length()) {
                throw new UserException("output '" + n + "' has " + ref.get(n).length() + " values from "
                        + reference.path + " but " + cand.get(n).length() + " from " + candidate.path);
            }
            // views over the same series: the values are read block by block, never held whole
            Outputs a = candidate.outputs.only(n, i == 0 ? candidate.outputs.classes() : 0);
            Outputs b = reference.outputs.only(n, i == 0 ? reference.outputs.classes() : 0);
            per.put(n, Fidelity.compare(a, b, i == 0 ? evaluator.labels() : Optional.empty()));
        }
        return new Comparison(per, Fidelity.compare(candidate.outputs, reference.outputs, evaluator.labels()));
    }

    /**
     * Per output, how many values of {@code candidate} lie outside {@code |a − b| <= atol + rtol·|b|} of
     * {@code reference} (NaN is always outside), as Polygraphy compares. Read block by block (call
     * {@link #compare} first: it checks that both models have the same outputs and sizes).
     */
    public Map<String, Long> outside(Evaluated candidate, Evaluated reference, double atol, double rtol) {
        Map<String, Long> out = new LinkedHashMap<>();
        float[] a = new float[Fidelity.BLOCK];
        float[] b = new float[Fidelity.BLOCK];
        for (Map.Entry<String, FloatSeries> e : reference.outputs.series().entrySet()) {
            FloatSeries.Reader rb = e.getValue().reader();
            FloatSeries.Reader ra = candidate.outputs.series(e.getKey()).reader();
            long outsideCount = 0;
            int n;
            while ((n = rb.readFully(b, 0, b.length)) > 0) {
                ra.readFully(a, 0, n);
                for (int i = 0; i < n; i++) {
                    double d = Math.abs((double) a[i] - b[i]);
                    outsideCount += d <= atol + rtol * Math.abs(b[i]) ? 0 : 1;
                }
            }
            out.put(e.getKey(), outsideCount);
        }
        return out;
    }

    /** Number of values of each output. */
    public Map<String, Long> sizes(Evaluated e) {
        Map<String, Long> out = new LinkedHashMap<>();
        e.outputs.series().forEach((k, v) -> out.put(k, v.length()));
        return out;
    }

    /** Median ms of one run on one sample, ORT optimizations on; NaN when latency is off. */
    public double latencyMs(Evaluated e) {
        try (StepLatency l = latency(e)) {
            return l.baselineMs();
        }
    }

    /** The model timed alone: median, p90 and rounds of one run on one sample (latency must not be off). */
    public dev.onnxpress.ort.LatencyStats latencyStats(Evaluated e) {
        try (StepLatency l = latency(e)) {
            return l.baseline();
        }
    }

    /** {@code candidate} timed against {@code original} in interleaved rounds; empty when latency is off. */
    public Optional<LatencyComparison> latency(Evaluated original, Evaluated candidate) {
        try (StepLatency l = latency(original)) {
            return l.compare(candidate.runnable, candidate.signature);
        }
    }

    public LatencyMode latencyMode() {
        return settings.effectiveLatency();
    }

    private StepLatency latency(Evaluated original) {
        return new StepLatency(original.runnable, settings).measuredOn(original.signature, evaluator);
    }
}
