package dev.onnxpress.pipeline;

import dev.onnxpress.bind.BoundCheck;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.dsl.Check;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.error.OnnxpressException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ort.OptimizationLevel;
import dev.onnxpress.ort.OrtFormat;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.runtime.OnnxpressRuntime;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.report.PipelineReport.Baseline;
import dev.onnxpress.report.PipelineReport.CheckResult;
import dev.onnxpress.report.PipelineReport.FileInfo;
import dev.onnxpress.report.PipelineReport.Metrics;
import dev.onnxpress.report.PipelineReport.Outcome;
import dev.onnxpress.report.PipelineReport.RuntimeResult;
import dev.onnxpress.report.PipelineReport.SkipEntry;
import dev.onnxpress.report.PipelineReport.Status;
import dev.onnxpress.report.PipelineReport.StepReport;
import dev.onnxpress.report.PipelineReport.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs a {@link Plan} on a model, verifying every step in ONNX Runtime (ARCHITECTURE.md §5).
 *
 * <p>Reference outputs (and accuracy, when the evaluation data has labels) are computed once from the
 * input model. Each step: copy the model → run the pass → invariant checks → serialize → ORT session with
 * graph optimizations off → outputs on the evaluation data → metrics against the original outputs (and
 * the previous step's, for {@code vs previous} checks) → the step's checks → a {@link StepReport}.
 *
 * <p>Checks of a step: the verify block's, then, for passes that preserve semantics, the round-off
 * defaults {@code max_abs_error vs previous <= 1e-4·(1 + max|previous output|)} and
 * {@code cosine vs previous >= 0.99999} (also met when {@code max_abs_error vs previous <= 1e-6·(1+max|previous|)}:
 * the cosine of outputs near zero everywhere is arbitrary) unless the verify block checks the same metric against the previous
 * step, then the step's own tolerance, which replaces any check on the same metric and reference.
 *
 * <p>Latency is the median time of one run on one sample with ORT optimizations ON
 * ({@link RunSettings#latencyLevel()}, ALL by default): what a deployment sees, unlike verification. Each
 * changed step's model is timed against the input model in interleaved rounds ({@link StepLatency}), and
 * its speed-up is "≈ same" unless the difference is beyond the measurement's interval and noise.
 *
 * <p>A breach stops the run: no output model, the report is carried by {@link ToleranceBreachException}.
 * The input file is only read; the output is written atomically at the end.
 */
public final class PassManager {
    /** Round-off allowance of semantics-preserving passes: factor of (1 + max|reference|). */
    public static final double ROUND_OFF_ABS = 1e-4;
    public static final double ROUND_OFF_COSINE = 0.99999;
    /** Differences below this factor of (1 + max|reference|) are round-off whatever the cosine says. */
    public static final double ROUND_OFF_FLOOR = 1e-6;
    /**
     * The batch size a model whose results depend on the batch size (a batch-wide early-exit gate) is deployed
     * at: such a step, and every step after it, is verified at this size for accuracy, fidelity and latency.
     */
    public static final int DEPLOY_BATCH = 1;

    private final RunSettings settings;
    private final Consumer<StepReport> listener;
    private final Consumer<PipelineReport> onError;
    private boolean keepOverridableWeights;
    /** Reference outputs by input file and evaluation data, when {@link #reusingReferences()} asked for it. */
    private Map<String, Outputs> references;
    /** The reference outputs of the current run that {@link #references} keeps (their files must stay). */
    private Outputs keptReference;

    public PassManager(RunSettings settings) {
        this(settings, r -> { }, r -> { });
    }

    /**
     * {@code listener} hears about every step as soon as it is measured (the CLI prints a line);
     * {@code onError} gets the report of the steps done so far (status ERROR) when a step fails with an
     * error other than a tolerance breach, just before that error propagates.
     */
    public PassManager(RunSettings settings, Consumer<StepReport> listener, Consumer<PipelineReport> onError) {
        this.settings = settings;
        this.listener = listener;
        this.onError = onError;
    }

    /**
     * Keep initializers that are also graph inputs overridable (weight passes then skip them); by default
     * they become plain weights before the first step ({@link OverridableWeights}).
     */
    public PassManager keepOverridableWeights(boolean keep) {
        this.keepOverridableWeights = keep;
        return this;
    }

    /**
     * Keeps the input model's reference outputs between runs of this manager on the same input file and
     * evaluation data (same declaration text, same seed), so running many recipes on one model — as
     * {@code tune} does — measures the original once. Returns this manager.
     */
    public PassManager reusingReferences() {
        if (references == null) {
            references = new java.util.HashMap<>();
        }
        return this;
    }

    /** What the model is like after a step. */
    private record State(Model model, Outputs outputs, OptionalDouble accuracy, ModelSignature signature,
                         long bytes, double latencyMs, ModelFigures figures, Metrics metrics,
                         PipelineReport.Measured measured, Optional<dev.onnxpress.ort.LatencyComparison> speed,
                         Map<String, TargetRuns.Measured> targets, Set<PassResult.Output> requested) {
        /** This state with the output files a step asked for added to those asked before. */
        State requesting(Set<PassResult.Output> more) {
            if (requested.containsAll(more)) {
                return this;
            }
            Set<PassResult.Output> all = java.util.EnumSet.noneOf(PassResult.Output.class);
            all.addAll(requested);
            all.addAll(more);
            return new State(model, outputs, accuracy, signature, bytes, latencyMs, figures, metrics, measured, speed,
                    targets, Set.copyOf(all));
        }
    }

    static final class Breach extends Exception {
        Breach(String message) {
            super(message, null, false, false);
        }
    }

    /** Everything one run needs besides the plan. */
    private final class Run {
        final Plan plan;
        final Evaluator evaluator;
        final Outputs reference;
        final OptionalDouble referenceAccuracy;
        final Set<String> inputProblems;
        final Model input;
        StepLatency latency;
        final PassContext.Progress progress = TerminalProgress.create(settings.showProgress());
        final List<StepReport> reports = new ArrayList<>();
        /** Run-level remarks for the outcome line (e.g. a repeat that did not settle). */
        final List<String> notes = new ArrayList<>();
        /** Facts about the whole run the first step's report carries (overridable weights unlisted). */
        final List<String> pendingNotes = new ArrayList<>();
        /** Warnings every changed step carries: reference outputs too flat for a comparison to mean much. */
        final List<String> flatOutputs;
        long changedSteps;
        private Evaluator deployed;

        /** The evaluation data run as a batch-dependent model is deployed ({@link #DEPLOY_BATCH}). */
        Evaluator deployedEvaluator() {
            if (deployed == null) {
                deployed = evaluator.atBatch(DEPLOY_BATCH);
            }
            return deployed;
        }
        TargetRuns targets = TargetRuns.of(List.of());
        Map<String, RuntimeResult> baselineTargets = Map.of();

        Run(Plan plan, Evaluator evaluator, Outputs reference, OptionalDouble accuracy, Set<String> inputProblems,
                Model input) {
            this.plan = plan;
            this.evaluator = evaluator;
            this.reference = reference;
            this.referenceAccuracy = accuracy;
            this.inputProblems = inputProblems;
            this.input = input;
            this.flatOutputs = FlatOutputs.warnings(reference, evaluator.description());
        }
    }

    /**
     * What a run that has not yet put its output in place holds: the report (which already describes the
     * output) and the model written under temporary names. {@link #commit} moves it into place, with the
     * further files a step asked for ({@code outputs}: save_ort_format's .ort); closing without a commit
     * deletes it.
     */
    public record Prepared(PipelineReport report, Optional<ModelWriter.Pending> pending, Model model,
                           Set<PassResult.Output> outputs, Optional<WeightSpill> spill) implements AutoCloseable {
        public Prepared(PipelineReport report, Optional<ModelWriter.Pending> pending, Model model,
                Set<PassResult.Output> outputs) {
            this(report, pending, model, outputs, Optional.empty());
        }

        /** Discards an uncommitted output, then the run's scratch weights (the model's new tensors read from them). */
        @Override
        public void close() {
            try {
                pending.ifPresent(ModelWriter.Pending::close);
            } finally {
                spill.ifPresent(WeightSpill::close);
            }
        }
    }

    /** Runs the plan and writes the output (if any) in place. */
    public PipelineReport run(Plan plan, Path input, Optional<Path> output) {
        try (Prepared p = prepare(plan, input, output, OutputPolicy.NONE)) {
            commit(p);
            return p.report();
        }
    }

    /** Moves a prepared output into place, with the .ort file save_ort_format asked for. */
    public static void commit(Prepared p) {
        if (p.pending().isPresent()) {
            ModelWriter.Written w = p.pending().get().commit();
            if (p.outputs().contains(PassResult.Output.ORT_FORMAT)) {
                writeOrtFormat(p.model(), w);
            }
        }
    }

    /**
     * Runs the plan; the output model, if any, is written under temporary names only ({@link Prepared}).
     * {@code policy} sees the input model as soon as it is read and guards every file the output writes.
     */
    public Prepared prepare(Plan plan, Path input, Optional<Path> output, OutputPolicy policy) {
        long t0 = System.nanoTime();
        checkPaths(input, output);
        Model original = ModelReader.read(input);
        // a large model's new weights go to a scratch file, removed with the Prepared (or now, on failure)
        Optional<WeightSpill> spill = WeightSpill.attach(original);
        try {
            Prepared p = prepareRead(plan, input, output, policy, t0, original);
            return new Prepared(p.report(), p.pending(), p.model(), p.outputs(), spill);
        } catch (RuntimeException | Error e) {
            spill.ifPresent(WeightSpill::close);
            throw e;
        }
    }

    private Prepared prepareRead(Plan plan, Path input, Optional<Path> output, OutputPolicy policy, long t0,
            Model original) {
        // the input's size counts its external data, as the output's does
        FileInfo inputInfo = FileHashes.fileInfo(input, original.sourceFiles().stream().mapToLong(PassManager::size).sum());
        HeapAdvice.modelRead(inputInfo.bytes());
        policy.inputRead(original);
        int evalBatch = settings.batchSizeFor(original);
        Optional<String> unlisted = keepOverridableWeights ? Optional.empty() : OverridableWeights.unlist(original);
        Set<String> inputProblems = new HashSet<>(dev.onnxpress.analysis.ModelChecker.problems(original));

        Evaluator evaluator = evaluatorFor(plan, original, evalBatch);
        RunChecks.check(original, input, Math.max(1, Math.min(evalBatch, evaluator.sampleCount())),
                settings.memoryBudget());
        PassContext.Progress progress = TerminalProgress.create(settings.showProgress());
        // a packed input (written by pack_huffman) runs decoded; a model too large for bytes runs from a file
        try (RunnableModel runnable = RunnableModel.input(original, input, unlisted.isEmpty());
             StepLatency stepLatency = new StepLatency(runnable, settings)) {
            return prepare(plan, input, output, policy, t0, inputInfo, original, evalBatch, unlisted, inputProblems,
                    evaluator, progress, runnable, stepLatency);
        } finally {
            // spilled outputs of this run go now; a reference kept for later runs stays
            evaluator.release(keptReference);
            keptReference = null;
        }
    }

    private Prepared prepare(Plan plan, Path input, Optional<Path> output, OutputPolicy policy, long t0,
            FileInfo inputInfo, Model original, int evalBatch, Optional<String> unlisted, Set<String> inputProblems,
            Evaluator evaluator, PassContext.Progress progress, RunnableModel runnable, StepLatency stepLatency) {
        Evaluator initial = evaluator;
        Reference ref = runReference(plan, input, original, evalBatch, evaluator, progress);
        evaluator = ref.evaluator();
        keptReference = references == null ? null : ref.outputs();
        try {
            return prepareChecked(plan, output, policy, t0, inputInfo, original, unlisted, inputProblems, progress,
                    runnable, stepLatency, ref, evaluator);
        } finally {
            if (evaluator != initial) {
                evaluator.release(keptReference); // probes ProbeChoice chose: their own outputs
            }
        }
    }

    private Prepared prepareChecked(Plan plan, Optional<Path> output, OutputPolicy policy, long t0,
            FileInfo inputInfo, Model original, Optional<String> unlisted, Set<String> inputProblems,
            PassContext.Progress progress, RunnableModel runnable, StepLatency stepLatency, Reference ref,
            Evaluator evaluator) {
        Outputs reference = ref.outputs();
        ModelSignature signature = ref.signature();
        OptionalDouble accuracy = Fidelity.accuracy(reference, evaluator.labels());
        stepLatency.measuredOn(signature, evaluator);
        double latency = stepLatency.baselineMs();
        int latencyRows = stepLatency.off() ? 0 : Evaluator.rows(evaluator.oneSample(signature));
        ModelFigures figures = ModelFigures.of(original);
        Baseline baseline = new Baseline(accuracy, latency, runnable.size(), figures.parameters(), figures.macs(),
                figures.nodes());
        Metrics self = Fidelity.compare(reference, reference, evaluator.labels());
        // steps work on copies, so the input model stays as read: passes fit to it with reference=input
        Run run = new Run(plan, evaluator, reference, accuracy, inputProblems, original.copy());
        unlisted.ifPresent(run.pendingNotes::add);
        run.latency = stepLatency;
        run.targets = TargetRuns.of(plan.targets());
        Map<String, TargetRuns.Measured> baseTargets = run.targets.measure(runnable, evaluator, progress, "reference",
                reference);
        State start = new State(original, reference, accuracy, signature, runnable.size(), latency, figures, self,
                new PipelineReport.Measured(evaluator.fedRows(), latencyRows, false), Optional.empty(), baseTargets,
                Set.of());
        Map<String, List<CheckResult>> baseChecks = baselineChecks(run, plan, start, baseTargets);
        run.baselineTargets = TargetChecks.baseline(baseTargets, baseChecks);
        State end;
        try {
            end = items(run, plan.items(), start, Optional.empty());
            TargetChecks.requireRunnable(end.targets());
        } catch (Breach b) {
            PipelineReport report = report(plan, inputInfo, Optional.empty(), baseline, run.reports,
                    new Outcome(Status.TOLERANCE_BREACH, Optional.of(b.getMessage())), evaluator, t0,
                    run.baselineTargets);
            throw new ToleranceBreachException(b.getMessage(), report);
        } catch (RuntimeException e) {
            onError.accept(report(plan, inputInfo, Optional.empty(), baseline, run.reports,
                    new Outcome(Status.ERROR, Optional.ofNullable(e.getMessage())), evaluator, t0,
                    run.baselineTargets));
            throw e;
        }
        Optional<FileInfo> written = Optional.empty();
        Optional<String> also = Optional.empty();
        Optional<ModelWriter.Pending> pending = Optional.empty();
        if (output.isPresent()) {
            // honours the placement externalize_data/internalize_data recorded
            ModelWriter.Pending w = ModelWriter.prepare(end.model(), output.get(),
                    end.model().writeOptions().orElse(ModelWriter.Options.defaults()), policy.guard());
            pending = Optional.of(w);
            try {
                FileInfo f = FileHashes.fileInfo(w.modelTemp(), w.totalBytes());
                written = Optional.of(new FileInfo(w.target().toString(), f.sha256(), f.bytes()));
            } catch (RuntimeException e) {
                w.close();
                throw e;
            }
            if (end.requested().contains(PassResult.Output.ORT_FORMAT)) {
                also = Optional.of("also wrote " + OrtFormat.besides(w.target()));
            }
        }
        if (!run.notes.isEmpty()) {
            also = Optional.of(String.join("; ", run.notes) + also.map(a -> "; " + a).orElse(""));
        }
        return new Prepared(report(plan, inputInfo, written, baseline, run.reports, new Outcome(Status.OK, also),
                evaluator, t0, run.baselineTargets), pending, end.model(), end.requested());
    }

    /** The recipe's evaluation data set, else seeded probes. */
    private Evaluator evaluatorFor(Plan plan, Model original, int evalBatch) {
        return plan.evaluationData()
                .map(name -> Evaluator.declared(plan.dataSet(name).orElseThrow(), evalBatch))
                .orElseGet(() -> Evaluator.probes(settings.probeSamples(), settings.seed(), evalBatch,
                        probeDims(plan), dev.onnxpress.data.ProbeValues.of(original)));
    }

    /**
     * The input model's outputs on the evaluation data, its signature, and the evaluator they came from (random
     * probes that leave the outputs flat are replaced by normalised image probes, {@link ProbeChoice}).
     */
    private record Reference(Outputs outputs, ModelSignature signature, Evaluator evaluator) {
    }

    /** Runs the input model in ONNX Runtime (reusing a reference this manager already measured for it). */
    private Reference runReference(Plan plan, Path input, Model original, int evalBatch, Evaluator evaluator,
            PassContext.Progress progress) {
        Outputs reference;
        ModelSignature signature;
        try (OrtRunner r = OnnxpressRuntime.open(input, verifyOptions())) {
            signature = ModelSignature.of(r);
            if (references == null) {
                reference = evaluator.runReference(r, progress);
                if (plan.evaluationData().isEmpty()) {
                    ProbeChoice.Chosen c = ProbeChoice.choose(r, signature, evaluator, reference, progress,
                            n -> Evaluator.probes(settings.probeSamples(), settings.seed(), evalBatch,
                                    probeDims(plan), dev.onnxpress.data.ProbeValues.of(original), n, ""));
                    evaluator = c.evaluator();
                    reference = c.reference();
                }
            } else {
                String key = referenceKey(plan, input);
                Outputs known = references.get(key);
                reference = known != null ? known : evaluator.runReference(r, progress);
                references.put(key, reference);
            }
        }
        return new Reference(reference, signature, evaluator);
    }

    /** The recipe's checks against the original, in each target runtime, on the input model. */
    private Map<String, List<CheckResult>> baselineChecks(Run run, Plan plan, State start,
            Map<String, TargetRuns.Measured> baseTargets) {
        Map<String, List<CheckResult>> baseChecks = new LinkedHashMap<>();
        for (Map.Entry<String, TargetRuns.Measured> t : baseTargets.entrySet()) {
            List<CheckResult> cs = new ArrayList<>();
            if (t.getValue().ran()) {
                for (BoundCheck c : plan.checks()) {
                    if (c.ref() == Check.Ref.ORIGINAL) {
                        cs.add(evaluate(run, c, start, withOutputs(start, t.getValue()), null));
                    }
                }
            }
            baseChecks.put(t.getKey(), cs);
        }
        return baseChecks;
    }

    private String referenceKey(Plan plan, Path input) {
        String data = plan.evaluationData().flatMap(plan::dataSet).map(d -> d.text())
                .orElse("probes " + settings.probeSamples() + " " + probeDims(plan));
        String stamp;
        try {
            stamp = Files.size(input) + " " + Files.getLastModifiedTime(input);
        } catch (IOException e) {
            stamp = "";
        }
        return input.toAbsolutePath().normalize() + "\n" + stamp + "\n" + settings.seed() + "\n" + data;
    }

    /**
     * The .ort file save_ort_format asked for, beside the ONNX output. ONNX Runtime cannot run packed
     * tensors, so a packed model is decoded first. Should the conversion fail, the ONNX files just written
     * are removed too: a run leaves all of its outputs or none.
     */
    private static Path writeOrtFormat(Model model, ModelWriter.Written onnx) {
        Path ort = OrtFormat.besides(onnx.model());
        try {
            byte[] bytes = ModelWriter.toBytes(model);
            OrtFormat.write(OnnxpressRuntime.isPacked(model) ? OnnxpressRuntime.toPlainOnnx(bytes) : bytes, ort);
            return ort;
        } catch (RuntimeException e) {
            try {
                Files.deleteIfExists(onnx.model());
                for (Path data : onnx.dataFiles()) {
                    Files.deleteIfExists(data);
                }
            } catch (IOException ignored) {
                // the conversion failure is the one worth reporting
            }
            throw e;
        }
    }

    private PipelineReport report(Plan plan, FileInfo input, Optional<FileInfo> output, Baseline baseline,
                                  List<StepReport> steps, Outcome outcome, Evaluator evaluator, long t0,
                                  Map<String, RuntimeResult> baselineTargets) {
        return new PipelineReport(input, output, plan.recipeText(), plan.source(), baseline, steps, outcome,
                evaluator.description(), (System.nanoTime() - t0) / 1e9, baselineTargets);
    }

    // ---------------------------------------------------------------- structure

    private State items(Run run, List<Plan.Item> items, State state, Optional<String> attempt) throws Breach {
        State s = state;
        for (Plan.Item item : items) {
            if (item instanceof Plan.Step step) {
                s = step(run, step, s, attempt);
            } else if (item instanceof Plan.Repeat r) {
                boolean settled = false;
                for (int round = 1; round <= r.max() && !settled; round++) {
                    long before = run.changedSteps;
                    s = items(run, r.body(), s, Optional.of(join(attempt, "round " + round)));
                    settled = run.changedSteps == before;
                }
                if (!settled && r.max() > 1) {
                    run.notes.add("repeat at " + r.location() + " still changed the model in its last round ("
                            + r.max() + " of max " + r.max() + "): no fixed point reached");
                }
            } else {
                Plan.Try t = (Plan.Try) item;
                Breach last = null;
                State kept = null;
                for (Plan.Attempt a : t.attempts()) {
                    try {
                        kept = items(run, a.body(), s, Optional.of(join(attempt, a.label())));
                        break;
                    } catch (Breach b) {
                        last = b;
                    }
                }
                if (kept == null) {
                    throw new Breach(last.getMessage() + " (no value of " + t.variable() + " stayed within tolerance: "
                            + String.join(", ", t.attempts().stream().map(Plan.Attempt::label).toList()) + ")");
                }
                s = kept;
            }
        }
        return s;
    }

    private static String join(Optional<String> outer, String inner) {
        return outer.map(o -> o + ", " + inner).orElse(inner);
    }

    // ---------------------------------------------------------------- one step

    private State step(Run run, Plan.Step step, State prev, Optional<String> attempt) throws Breach {
        if (Thread.currentThread().isInterrupted()) {
            // a caller abandoned this run (tune at its time limit): stop before the next step
            throw new java.util.concurrent.CancellationException("the run was cancelled before step " + step.location());
        }
        long t0 = System.nanoTime();
        String where = step.location() + ": " + step.call();
        Model model = prev.model().copy();
        RecipeContext ctx = new RecipeContext(run.plan, prev.signature(), settings.batchSizeFor(prev.model()),
                settings.seed(), run.progress, run.input, probeDims(run.plan))
                .withVerificationSamples(() -> run.evaluator.feeds(prev.signature()));
        if (run.latency != null && step.pass().info().has(dev.onnxpress.passes.PassInfo.Trait.NEEDS_DATA)) {
            // a data-driven pass opens sessions of its own: the input's latency session is not kept beside them
            run.latency.release();
        }
        PassResult result;
        try {
            result = step.run(model, ctx);
        } catch (UserException e) {
            throw new UserException(where + ": " + e.getMessage(), e);
        } catch (OnnxpressException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InternalException("pass " + step.passId() + " at " + step.location() + " failed: " + e, e);
        } finally {
            run.progress.finish();
        }
        List<String> notes = StepNotes.afterPass(prev.model(), model, result);
        for (String problem : dev.onnxpress.analysis.ModelChecker.problems(model)) {
            if (!run.inputProblems.contains(problem)) {
                throw new InternalException("pass " + step.passId() + " at " + step.location()
                        + " wrote an invalid graph: " + problem, null);
            }
        }
        State next;
        if (!result.changed()) {
            next = new State(model, prev.outputs(), prev.accuracy(), prev.signature(), prev.bytes(), prev.latencyMs(),
                    prev.figures(), prev.metrics(), prev.measured(), prev.speed(), prev.targets(), prev.requested());
        } else {
            next = measure(run, step, prev, model);
        }
        next = next.requesting(result.outputs());
        List<CheckResult> checks = new ArrayList<>();
        Metrics[] vsPrevious = new Metrics[1];
        for (BoundCheck c : checksFor(run.plan, step)) {
            if (c.ref() == Check.Ref.PREVIOUS && vsPrevious[0] == null) {
                vsPrevious[0] = Fidelity.compare(next.outputs(), prev.outputs(), run.evaluator.labels());
            }
            checks.add(evaluate(run, c, prev, next, vsPrevious[0]));
        }
        checks.add(NonFinite.check(next.outputs(), run.reference));
        Map<String, RuntimeResult> byRuntime = checkTargets(run, step, prev, next);
        boolean passed = checks.stream().allMatch(CheckResult::passed)
                && byRuntime.values().stream().allMatch(RuntimeResult::passed);
        List<String> warnings = StepVerdicts.warnings(step, result, prev.bytes(), next.bytes(),
                attempt.filter(a -> a.matches(".*round ([2-9]|\\d{2,}).*")).isPresent());
        if (result.changed()) {
            warnings.addAll(run.flatOutputs);
        }
        List<String> stepNotes = new ArrayList<>(notes);
        if (result.changed() && !run.targets.isEmpty()) {
            stepNotes.addAll(run.targets.newFindings(prev.model(), model));
        }
        StepReport report = new StepReport(step.passId(), step.optionsText(), step.location().toString(), attempt,
                result.changed(), result.statistics(),
                result.skips().stream().map(s -> new SkipEntry(s.where(), s.reason())).toList(),
                withPending(run, stepNotes),
                next.bytes(), next.figures().parameters(), next.figures().nodes(), next.figures().macs(),
                next.latencyMs(), next.metrics(), new Verdict(passed, checks, warnings), (System.nanoTime() - t0) / 1e9,
                result.details(), next.measured(), next.speed(), byRuntime);
        run.reports.add(report);
        listener.accept(report);
        if (!passed) {
            // values that turned non-finite explain every other failed check: name them first
            Optional<CheckResult> failed = checks.stream().filter(c -> !c.passed())
                    .min(java.util.Comparator.comparing(c -> c.metric().equals(NonFinite.METRIC) ? 0 : 1));
            if (failed.isPresent()) {
                throw new Breach(where + ": " + CheckTexts.breach(failed.get()));
            }
            throw new Breach(where + ": " + TargetChecks.breach(byRuntime.values()));
        }
        return next;
    }

    /** A changed model measured as the step leaves it: outputs, fidelity, size, latency and the target runtimes. */
    private State measure(Run run, Plan.Step step, State prev, Model model) {
        run.changedSteps++;
        // a batch-dependent model (this step's or an earlier one's) is measured as it is deployed
        boolean deployed = prev.measured().batchDependent() || step.batchDependent();
        Evaluator evaluator = deployed ? run.deployedEvaluator() : run.evaluator;
        // serialized once (packed tensors decoded; a model too large for bytes written to a temporary file),
        // then every session of this version opens from it
        try (RunnableModel runnable = RunnableModel.of(model)) {
            Outputs outputs;
            ModelSignature signature;
            try (OrtRunner r = open(runnable, step)) {
                signature = ModelSignature.of(r);
                outputs = evaluator.run(r, run.progress, step.passId());
            }
            checkSameOutputs(step, run.reference, outputs);
            Metrics metrics = Fidelity.compare(outputs, run.reference, run.evaluator.labels());
            Optional<dev.onnxpress.ort.LatencyComparison> speed = run.latency.compare(runnable, signature,
                    StepLatency.dataDependent(model));
            double latency = speed.map(dev.onnxpress.ort.LatencyComparison::candidateMs).orElse(Double.NaN);
            int latencyRows = speed.isEmpty() ? 0 : Evaluator.rows(evaluator.oneSample(signature));
            Map<String, TargetRuns.Measured> targets = run.targets.measure(runnable, evaluator, run.progress,
                    step.passId(), run.reference);
            return new State(model, outputs, metrics.accuracy(), signature, runnable.size(), latency,
                    ModelFigures.of(model), metrics,
                    new PipelineReport.Measured(evaluator.fedRows(), latencyRows, deployed), speed, targets,
                    prev.requested());
        }
    }

    /** The recipe's checks in each target runtime the run measures (ONNX Runtime's are the step's own). */
    private Map<String, RuntimeResult> checkTargets(Run run, Plan.Step step, State prev, State next) {
        Map<String, RuntimeResult> byRuntime = new LinkedHashMap<>();
        for (Map.Entry<String, TargetRuns.Measured> t : next.targets().entrySet()) {
            TargetRuns.Measured before = prev.targets().get(t.getKey());
            List<CheckResult> onTarget = new ArrayList<>();
            if (t.getValue().ran()) {
                State tPrev = before.ran() ? withOutputs(prev, before) : null;
                State tNext = withOutputs(next, t.getValue());
                Metrics[] tVsPrevious = new Metrics[1];
                for (BoundCheck c : checksFor(run.plan, step)) {
                    if (c.kind() == BoundCheck.Kind.ROUND_OFF || c.kind() == BoundCheck.Kind.ROUND_OFF_COSINE) {
                        continue; // round-off defaults judge the pass, in ONNX Runtime; here the recipe's checks count
                    }
                    if (c.ref() == Check.Ref.PREVIOUS) {
                        if (tPrev == null) {
                            continue; // nothing ran in this runtime before the step: no previous outputs
                        }
                        if (tVsPrevious[0] == null) {
                            tVsPrevious[0] = Fidelity.compare(tNext.outputs(), tPrev.outputs(), run.evaluator.labels());
                        }
                    }
                    onTarget.add(evaluate(run, c, tPrev == null ? prev : tPrev, tNext, tVsPrevious[0]));
                }
            }
            byRuntime.put(t.getKey(), TargetChecks.result(t.getValue(), before, onTarget));
        }
        return byRuntime;
    }

    private static List<String> withPending(Run run, List<String> notes) {
        if (run.pendingNotes.isEmpty()) {
            return notes;
        }
        List<String> all = new ArrayList<>(run.pendingNotes);
        all.addAll(notes);
        run.pendingNotes.clear();
        return all;
    }

    /** {@code s} as it measured in a deployment runtime, for checks there. */
    private static State withOutputs(State s, TargetRuns.Measured m) {
        return new State(s.model(), m.outputs().orElseThrow(), m.accuracy(), s.signature(), s.bytes(), s.latencyMs(),
                s.figures(), m.metrics().orElseThrow(), s.measured(), s.speed(), s.targets(), s.requested());
    }

    private OrtRunner open(RunnableModel model, Plan.Step step) {
        try {
            return model.open(verifyOptions());
        } catch (UserException e) {
            // the input model loaded, so a model that no longer loads is the pass's doing
            throw new InternalException("pass " + step.passId() + " at " + step.location()
                    + " wrote a model ONNX Runtime rejects: " + e.getMessage(), e);
        }
    }

    private static void checkSameOutputs(Plan.Step step, Outputs reference, Outputs outputs) {
        if (!outputs.names().equals(reference.names())) {
            throw new InternalException("pass " + step.passId() + " at " + step.location()
                    + " changed the graph outputs from " + reference.names() + " to "
                    + outputs.names(), null);
        }
        for (Map.Entry<String, FloatSeries> e : reference.series().entrySet()) {
            if (outputs.series(e.getKey()).length() != e.getValue().length()) {
                throw new InternalException("pass " + step.passId() + " at " + step.location()
                        + " changed the size of output '" + e.getKey() + "': "
                        + outputs.series(e.getKey()).length() + " values instead of " + e.getValue().length(), null);
            }
        }
    }

    /**
     * Sizes of symbolic dims for random probes: {@code --dims} first, then those the recipe's own data
     * declarations give ({@code random(dims=…)}), so a recipe that sizes its calibration data needs no flag.
     */
    private Map<String, Long> probeDims(Plan plan) {
        Map<String, Long> dims = new LinkedHashMap<>(settings.probeDims());
        for (var d : plan.data()) {
            d.dims().forEach(dims::putIfAbsent);
        }
        return dims;
    }

    // ---------------------------------------------------------------- checks

    static List<BoundCheck> checksFor(Plan plan, Plan.Step step) {
        Map<String, BoundCheck> checks = new LinkedHashMap<>();
        for (BoundCheck c : plan.checks()) {
            checks.put(c.key() + c.op().symbol().charAt(0), c);
        }
        if (step.pass().info().has(PassInfo.Trait.PRESERVES_SEMANTICS)) {
            BoundCheck abs = new BoundCheck("max_abs_error", Check.Comparison.LE, ROUND_OFF_ABS, Check.Ref.PREVIOUS,
                    BoundCheck.Kind.ROUND_OFF, "max_abs_error vs previous <= 1e-4·(1+max|previous|) (round-off)",
                    step.location());
            BoundCheck cos = new BoundCheck("cosine", Check.Comparison.GE, ROUND_OFF_COSINE, Check.Ref.PREVIOUS,
                    BoundCheck.Kind.ROUND_OFF_COSINE, "cosine vs previous >= 0.99999 (round-off)", step.location());
            boolean userAbs = checks.values().stream().anyMatch(c -> c.key().equals(abs.key()));
            boolean userCos = checks.values().stream().anyMatch(c -> c.key().equals(cos.key()));
            if (!userAbs && step.tolerance().stream().noneMatch(c -> c.key().equals(abs.key()))) {
                checks.put(abs.key() + "<", abs);
            }
            if (!userCos && step.tolerance().stream().noneMatch(c -> c.key().equals(cos.key()))) {
                checks.put(cos.key() + ">", cos);
            }
        }
        // the step's checks replace every default one on the same metric and reference
        java.util.Set<String> replaced = new HashSet<>();
        step.tolerance().forEach(c -> replaced.add(c.key()));
        checks.values().removeIf(c -> replaced.contains(c.key()));
        for (BoundCheck c : step.tolerance()) {
            checks.put(c.key() + c.op().symbol().charAt(0), c);
        }
        StepVerdicts.defaultCheck(plan, step).ifPresent(c -> checks.put(c.key() + "default", c));
        return List.copyOf(checks.values());
    }

    private CheckResult evaluate(Run run, BoundCheck c, State prev, State next, Metrics againstPrevious) {
        boolean vsPrevious = c.ref() == Check.Ref.PREVIOUS;
        Metrics m = vsPrevious ? againstPrevious : next.metrics();
        Outputs ref = vsPrevious ? prev.outputs() : run.reference;
        double measured = switch (c.metric()) {
            case "max_abs_error" -> m.maxAbsError();
            case "max_rel_error" -> m.maxRelError();
            case "cosine" -> m.cosine();
            case "top1_agreement" -> m.top1Agreement().orElseThrow(() -> new UserException(c.location()
                    + ": top1_agreement needs a classifier: the model's first output is not [N, classes]"));
            case "accuracy" -> m.accuracy().orElseThrow(() -> new UserException(c.location()
                    + ": accuracy needs a classifier: the model's first output is not [N, classes]"));
            default -> throw new InternalException("unknown metric " + c.metric(), null);
        };
        double bound = switch (c.kind()) {
            case FIXED, ROUND_OFF_COSINE -> c.bound();
            case ROUND_OFF -> c.bound() * (1 + ref.maxAbs());
            case ACCURACY_DROP -> (vsPrevious ? prev.accuracy() : run.referenceAccuracy).orElseThrow(
                    () -> new UserException(c.location() + ": accuracy needs a classifier: the model's first output"
                            + " is not [N, classes]")) - c.bound();
        };
        boolean holds = c.op().holds(measured, bound) || c.kind() == BoundCheck.Kind.ROUND_OFF_COSINE
                && m.maxAbsError() <= ROUND_OFF_FLOOR * (1 + ref.maxAbs());
        return new CheckResult(c.text(), c.metric(), c.referenceName(), c.op().symbol(), bound, measured, holds);
    }

    // ---------------------------------------------------------------- ORT, files

    private OrtRunner.Options verifyOptions() {
        return OrtRunner.Options.defaults().withOptimization(OptimizationLevel.NONE)
                .withIntraOpThreads(settings.verifyThreads());
    }

    private static void checkPaths(Path input, Optional<Path> output) {
        if (!Files.isRegularFile(input)) {
            throw new UserException("input model not found: " + input);
        }
        if (output.isPresent()) {
            Path out = output.get().toAbsolutePath().normalize();
            Path in = input.toAbsolutePath().normalize();
            boolean same = out.equals(in);
            try {
                same = same || (Files.exists(out) && Files.isSameFile(out, in));
            } catch (IOException e) {
                // cannot tell: the names differ, which is what the check is for
            }
            if (same) {
                throw new UserException("output " + output.get() + " is the input model; onnxpress never overwrites"
                        + " its input: give another -o");
            }
            Path folder = out.getParent();
            try {
                Files.createDirectories(folder);
            } catch (IOException e) {
                throw new UserException("cannot create output folder " + folder + ": " + e.getMessage(), e);
            }
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UserException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
