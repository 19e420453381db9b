package dev.onnxpress.report;

import dev.onnxpress.ort.LatencyComparison;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Everything a run of a recipe measured. The terminal table, the JSON report and the HTML report are
 * pure functions of this record. JSON field names are a contract (see the renderers).
 *
 * @param input      the model read
 * @param output     the model written (empty when the run stopped before writing)
 * @param recipe     canonical recipe text
 * @param baseline   the input model measured once, on the same data as every step
 * @param steps      one entry per executed step, in order (a {@code try} contributes its attempts)
 * @param outcome    how the run ended
 */
public record PipelineReport(FileInfo input, Optional<FileInfo> output, String recipe, String recipeFile,
        Baseline baseline, List<StepReport> steps, Outcome outcome, String dataDescription, double wallSeconds,
        Map<String, RuntimeResult> baselineByRuntime) {
    public PipelineReport {
        steps = List.copyOf(steps);
        baselineByRuntime = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(baselineByRuntime));
    }

    public PipelineReport(FileInfo input, Optional<FileInfo> output, String recipe, String recipeFile,
            Baseline baseline, List<StepReport> steps, Outcome outcome, String dataDescription, double wallSeconds) {
        this(input, output, recipe, recipeFile, baseline, steps, outcome, dataDescription, wallSeconds, Map.of());
    }

    /**
     * A model in one deployment runtime ({@code verify … on opencv}), compared with the original model
     * in ONNX Runtime: its metrics when it ran, else the runtime's error; the step's checks measured there.
     *
     * @param description e.g. "OpenCV DNN 4.9.0"
     * @param inherited   the error was already there before this step (not a breach of this step)
     */
    public record RuntimeResult(String runtime, String description, Optional<Metrics> metrics,
            Optional<String> error, boolean inherited, List<CheckResult> checks) {
        public RuntimeResult {
            checks = List.copyOf(checks);
        }

        public boolean passed() {
            return (error.isEmpty() || inherited) && checks.stream().allMatch(CheckResult::passed);
        }
    }

    public record FileInfo(String path, String sha256, long bytes) {
    }

    /** The input model's own figures. {@code accuracy} only when the evaluation data has labels. */
    public record Baseline(OptionalDouble accuracy, double latencyMs, long bytes, long parameters, OptionalLong macs,
            long nodes) {
    }

    /**
     * One executed step.
     *
     * @param pass       pass id
     * @param options    canonical options text, e.g. {@code ratio=50%, layers=op("Conv")}
     * @param location   {@code recipe.txt:9:1}
     * @param attempt    for a step inside {@code try}: which value was tried (e.g. {@code r=50%}), else empty
     * @param details    pass-specific structured data (per-layer tables …), JSON-friendly values only
     * @param latencyMs  median time of one run on one sample, ms (ORT optimizations on)
     * @param speed      this step's model timed against the input model in interleaved rounds, when measured
     * @param byRuntime  the step's model in each deployment runtime the recipe verifies on
     */
    public record StepReport(String pass, String options, String location, Optional<String> attempt, boolean changed,
            Map<String, Number> statistics, List<SkipEntry> skips, List<String> notes, long bytes, long parameters,
            long nodes, OptionalLong macs, double latencyMs, Metrics metrics, Verdict verdict, double wallSeconds,
            Map<String, Object> details, Measured measured, Optional<LatencyComparison> speed,
            Map<String, RuntimeResult> byRuntime) {
        /** A step verified in ONNX Runtime only. */
        public StepReport(String pass, String options, String location, Optional<String> attempt, boolean changed,
                Map<String, Number> statistics, List<SkipEntry> skips, List<String> notes, long bytes, long parameters,
                long nodes, OptionalLong macs, double latencyMs, Metrics metrics, Verdict verdict, double wallSeconds,
                Map<String, Object> details, Measured measured, Optional<LatencyComparison> speed) {
            this(pass, options, location, attempt, changed, statistics, skips, notes, bytes, parameters, nodes, macs,
                    latencyMs, metrics, verdict, wallSeconds, details, measured, speed, Map.of());
        }

        /** A step whose latency was not compared with the input model's. */
        public StepReport(String pass, String options, String location, Optional<String> attempt, boolean changed,
                Map<String, Number> statistics, List<SkipEntry> skips, List<String> notes, long bytes, long parameters,
                long nodes, OptionalLong macs, double latencyMs, Metrics metrics, Verdict verdict, double wallSeconds,
                Map<String, Object> details, Measured measured) {
            this(pass, options, location, attempt, changed, statistics, skips, notes, bytes, parameters, nodes, macs,
                    latencyMs, metrics, verdict, wallSeconds, details, measured, Optional.empty());
        }

        /** A step whose batch sizes were not recorded. */
        public StepReport(String pass, String options, String location, Optional<String> attempt, boolean changed,
                Map<String, Number> statistics, List<SkipEntry> skips, List<String> notes, long bytes, long parameters,
                long nodes, OptionalLong macs, double latencyMs, Metrics metrics, Verdict verdict, double wallSeconds,
                Map<String, Object> details, Optional<LatencyComparison> speed) {
            this(pass, options, location, attempt, changed, statistics, skips, notes, bytes, parameters, nodes, macs,
                    latencyMs, metrics, verdict, wallSeconds, details, Measured.UNRECORDED, speed);
        }

        /** A step with its results in deployment runtimes, without batch sizes or a latency comparison. */
        public StepReport(String pass, String options, String location, Optional<String> attempt, boolean changed,
                Map<String, Number> statistics, List<SkipEntry> skips, List<String> notes, long bytes, long parameters,
                long nodes, OptionalLong macs, double latencyMs, Metrics metrics, Verdict verdict, double wallSeconds,
                Map<String, Object> details, Map<String, RuntimeResult> byRuntime) {
            this(pass, options, location, attempt, changed, statistics, skips, notes, bytes, parameters, nodes, macs,
                    latencyMs, metrics, verdict, wallSeconds, details, Measured.UNRECORDED, Optional.empty(), byRuntime);
        }

        public StepReport {
            statistics = Map.copyOf(statistics);
            skips = List.copyOf(skips);
            notes = List.copyOf(notes);
            details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
            byRuntime = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byRuntime));
        }

        /** A step whose batch sizes were not recorded. */
        public StepReport(String pass, String options, String location, Optional<String> attempt, boolean changed,
                Map<String, Number> statistics, List<SkipEntry> skips, List<String> notes, long bytes,
                long parameters, long nodes, OptionalLong macs, double latencyMs, Metrics metrics, Verdict verdict,
                double wallSeconds, Map<String, Object> details) {
            this(pass, options, location, attempt, changed, statistics, skips, notes, bytes, parameters, nodes, macs,
                    latencyMs, metrics, verdict, wallSeconds, details, Measured.UNRECORDED, Optional.empty());
        }
    }

    /**
     * The batch sizes a step's figures were measured at: {@code batchSize} for accuracy and fidelity,
     * {@code latencyBatchSize} for latency (0: not recorded); {@code batchDependent} when the model's results
     * depend on the batch size, so the figures are at the deployed batch size.
     */
    public record Measured(int batchSize, int latencyBatchSize, boolean batchDependent) {
        public static final Measured UNRECORDED = new Measured(0, 0, false);

        public boolean recorded() {
            return batchSize > 0;
        }
    }

    public record SkipEntry(String where, String reason) {
    }

    /** Fidelity against the original model's outputs (and accuracy against labels when known). */
    /**
     * @param discordance share of rows whose correctness against the labels differs from the reference's (one
     *                    right, the other wrong), when labels are known: the paired accuracy difference's spread
     */
    public record Metrics(double maxAbsError, double maxRelError, double cosine, OptionalDouble top1Agreement,
            OptionalDouble accuracy, OptionalDouble discordance) {
        public Metrics(double maxAbsError, double maxRelError, double cosine, OptionalDouble top1Agreement,
                       OptionalDouble accuracy) {
            this(maxAbsError, maxRelError, cosine, top1Agreement, accuracy, OptionalDouble.empty());
        }
    }

    /**
     * The tolerance checks of a step and whether each held, plus warnings: facts that do not stop the run
     * but mean the step should not get a plain tick (it grew a model it was meant to shrink, did nothing its
     * options asked for, or was verified on outputs too flat to tell anything).
     */
    public record Verdict(boolean passed, List<CheckResult> checks, List<String> warnings) {
        public Verdict {
            checks = List.copyOf(checks);
            warnings = List.copyOf(warnings);
        }

        public Verdict(boolean passed, List<CheckResult> checks) {
            this(passed, checks, List.of());
        }

        public VerdictLevel level() {
            return !passed ? VerdictLevel.BREACH : warnings.isEmpty() ? VerdictLevel.OK : VerdictLevel.WARNING;
        }
    }

    /** How a step ended: its checks held ({@code ok}), held with warnings, or one was breached. */
    public enum VerdictLevel {
        OK, WARNING, BREACH;

        /** The JSON report's word: {@code ok}, {@code warning}, {@code breach}. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One check: e.g. {@code cosine vs original >= 0.999} measured 0.99995. */
    public record CheckResult(String text, String metric, String reference, String op, double bound, double measured,
            boolean passed) {
    }

    public enum Status { OK, TOLERANCE_BREACH, ERROR }

    public record Outcome(Status status, Optional<String> message) {
    }
}
