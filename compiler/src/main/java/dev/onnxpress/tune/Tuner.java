package dev.onnxpress.tune;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.pipeline.ToleranceBreachException;
import dev.onnxpress.report.PipelineReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code onnxpress tune}: splits the data, searches on the calibration and selection slices, writes the
 * chosen recipe (verifying on the held-out slice), runs it exactly as {@code onnxpress run} would, and
 * writes the model that run produced.
 */
public final class Tuner {
    /** Timed runs per latency figure when the objective is latency. */
    static final int LATENCY_RUNS = 20;

    private final TuneSettings settings;
    private final Consumer<Search> progress;

    public Tuner(TuneSettings settings, Consumer<Search> progress) {
        this.settings = settings;
        this.progress = progress;
    }

    public TuneSummary tune(Path model, DataSource data, Path recipeOut, Optional<Path> modelOut, Optional<Path> cache) {
        long t0 = System.nanoTime();
        Deadline deadline = Deadline.of(settings.time());
        checkInputs(model, data);
        DataSet all = data.load();
        DataSplit split = DataSplit.of(all.size());
        String header = "recipe \"tune candidate\" version 1\n"
                + data.declaration("calib", false, split.calibrationSkip(), split.calibrationCount(), Optional.empty())
                + "\n" + data.declaration("select", true, split.selectionSkip(), split.selectionCount(), Optional.empty())
                + "\nverify using select { }\n";
        RunSettings run = RunSettings.defaults().withSeed(settings.seed()).withProgress(false)
                .withLatencyIterations(settings.objective() == Objective.LATENCY ? LATENCY_RUNS : 0);
        Evaluations evaluations = new Evaluations(model, header, run, cache, Optional.of(settings.budget().check()));
        Model m = ModelReader.read(model);
        Measurement original = evaluations.measure(List.of());
        if (!original.ok()) {
            throw new UserException("the original model does not run on --data: " + original.error().orElse(""));
        }
        if (settings.objective() == Objective.MACS && original.macs() < 0) {
            throw new UserException("--objective macs: the model's MACs cannot be counted (symbolic shapes?)");
        }
        // the final run repeats the winner's evaluation on the held-out slice: its cost scales by at most the
        // ratio of the slices' sizes (the fixed part, calibration fits and latency, does not grow)
        double heldOutScale = Math.max(1, (double) split.heldOutCount() / split.selectionCount());
        Acceptance acceptance = new Acceptance(settings.budget(), split.selectionCount(), settings.z());
        Search search = new Search(evaluations, settings, deadline, original, m, acceptance, s -> {
            // the longest evaluation of the answer's passes: the machine's load changes between runs
            double best = s.best().or(s::closest).map(c -> Math.max(c.measurement().seconds(), s.longest(c.texts())))
                    .orElse(original.seconds());
            deadline.reserve(1.1 * heldOutScale * best + 2);
            progress.accept(s);
        });
        deadline.reserve(1.1 * heldOutScale * original.seconds() + 2);
        if (settings.objective() == Objective.SIZE) {
            new SizeSearch(search).run();
        } else {
            new ComputeSearch(search).run();
        }
        double searchSeconds = deadline.elapsedSeconds();
        Optional<Candidate> best = search.best();
        Candidate winner = best.or(search::closest).orElseThrow(() -> new UserException("tune: no candidate could be"
                + " measured within --time " + settings.time().toSeconds() + "s; give it more time"));
        if (winner.steps().isEmpty()) {
            throw new UserException("tune: no compression step kept the model within the budget on the selection"
                    + " slice and nothing else was measured");
        }
        // the recipe, first without its result (the comments do not change what it does)
        String recipe = recipe(model, data, split, recipeOut, winner, search, best.isPresent(), searchSeconds,
                Optional.empty());
        write(recipeOut, recipe);
        HeldOutRun finalRun = runRecipe(recipeOut, model, modelOut);
        PipelineReport report = finalRun.report();
        boolean breached = finalRun.breached();
        Measurement heldOriginal = new Measurement(report.baseline().bytes(), report.baseline().macs().orElse(-1),
                report.baseline().latencyMs(), report.baseline().accuracy().orElse(Double.NaN), 1, 1, 0,
                Optional.empty());
        Measurement held = Evaluations.of(report, report.wallSeconds());
        double heldLoss = settings.budget().loss(held, heldOriginal);
        // a closest-only answer (nothing both beat the original and met the budget while searching) is no success
        boolean within = !breached && settings.budget().holds(heldLoss) && best.isPresent();
        long bytes = report.output().map(PipelineReport.FileInfo::bytes).orElse(held.bytes());
        String result = resultLine(settings, heldOriginal, held, heldLoss, within, breached);
        recipe = recipe(model, data, split, recipeOut, winner, search, best.isPresent(), searchSeconds,
                Optional.of(result));
        write(recipeOut, recipe);
        Optional<String> written = report.output().map(PipelineReport.FileInfo::path);
        return new TuneSummary(model.toString(), evaluations.modelSha(), settings.objective(), settings.budget(), split,
                original, search.tried, search.tried.indexOf(winner), best.isPresent(), search.limit(), heldOriginal,
                held, heldLoss, within, recipeOut.toString(), recipe, written, bytes, searchSeconds,
                (System.nanoTime() - t0) / 1e9, evaluations.runs(), evaluations.hits(), search.stopped(), search.notes,
                acceptance);
    }

    private void checkInputs(Path model, DataSource data) {
        if (!Files.isRegularFile(model)) {
            throw new UserException("model not found: " + model);
        }
        if (settings.budget().needsLabels() && data.labels().isEmpty()) {
            throw new UserException("--budget " + settings.budget() + " is in accuracy points and needs --labels;"
                    + " without labels give a fidelity budget such as 0.999cos or 0.98top1");
        }
    }

    /** The written recipe's run on the held-out slice, as {@code onnxpress run} runs it. */
    private record HeldOutRun(PipelineReport report, boolean breached) {
    }

    private HeldOutRun runRecipe(Path recipeOut, Path model, Optional<Path> modelOut) {
        Plan plan = new Binder().bindFile(recipeOut, recipeOut.toString());
        RunSettings finalRun = RunSettings.defaults().withSeed(settings.seed()).withProgress(false)
                .withLatencyIterations(settings.objective() == Objective.LATENCY ? LATENCY_RUNS : 1);
        try {
            return new HeldOutRun(new PassManager(finalRun).run(plan, model, modelOut), false);
        } catch (ToleranceBreachException e) {
            return new HeldOutRun(e.report(), true);
        }
    }

    private static String resultLine(TuneSettings settings, Measurement orig, Measurement held, double loss,
                                     boolean within, boolean breached) {
        Objective o = settings.objective();
        String figures = held.ok() ? String.format(Locale.ROOT, "%s %s → %s (%.2f×), %s", o.id(),
                fmt(o.value(orig)), fmt(o.value(held)), o.ratio(held, orig), settings.budget().describeLoss(loss))
                : "the run failed: " + held.error().orElse("");
        if (within) {
            return "held-out result (measured by running this recipe): " + figures + "; within the budget";
        }
        if (!breached && settings.budget().holds(loss)) {
            return "OVER BUDGET: nothing the search measured both beat the original and met the budget; held-out: "
                    + figures;
        }
        return "OVER BUDGET on the held-out slice: " + figures + (breached ? "; `onnxpress run` stops at the last"
                + " step's tolerance (exit 1)" : "");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%.3f", v);
    }

    private String recipe(Path model, DataSource data, DataSplit split, Path recipeOut, Candidate winner, Search s,
                          boolean withinOnSelection, double searchSeconds, Optional<String> result) {
        Optional<Path> folder = Optional.ofNullable(recipeOut.toAbsolutePath().normalize().getParent());
        List<String> summary = new ArrayList<>();
        summary.add("Written by `onnxpress tune` for " + model.getFileName() + " (sha256 "
                + s.evaluations.modelSha().substring(0, 16) + "…): objective " + settings.objective().id() + ", budget "
                + settings.budget() + " (" + settings.budget().check() + "), seed " + settings.seed() + ".");
        summary.add(String.format(Locale.ROOT, "search: %d candidates measured (%d from the cache) in %.0f s on the"
                        + " selection slice; %s.", s.tried.size(), s.evaluations.hits(), searchSeconds,
                s.acceptance.describe()));
        summary.add("chosen on the selection slice: " + s.ratioText(winner) + ", "
                + settings.budget().describeLoss(winner.loss()) + uncertainty(s, winner)
                + (withinOnSelection ? "" : " — OVER BUDGET: no candidate both beat the original and met the budget on the"
                + " selection slice; this is the one of least loss"));
        result.ifPresent(summary::add);
        if (s.stopped()) {
            summary.add("the search stopped at the --time limit (" + settings.time().toSeconds() + " s)");
        }
        List<String> note = List.of(String.format(Locale.ROOT, "The data file split in three disjoint slices: "
                + "calibration (samples 0–%d), selection (%d–%d, used by the search only, not declared here) and"
                + " held-out (%d–%d, never seen by the search).", split.calibrationCount() - 1, split.selectionSkip(),
                split.heldOutSkip() - 1, split.heldOutSkip(), split.total() - 1));
        List<String> decls = List.of(
                data.declaration("calib", false, split.calibrationSkip(), split.calibrationCount(), folder),
                data.declaration("heldout", true, split.heldOutSkip(), split.heldOutCount(), folder));
        String title = "tuned: " + stem(model) + ", " + settings.objective().id() + ", " + settings.budget().check();
        return RecipeText.render(title, summary, note, decls, winner.steps(), settings.budget().check(), s.notes);
    }

    /** {@code  ± 0.41 (loss + 1.645 SE = 0.93 ≤ 1)}: the figures of the acceptance rule for the winner. */
    private static String uncertainty(Search s, Candidate c) {
        double se = s.acceptance.standardError(c.measurement(), s.original);
        if (se <= 0 || !Double.isFinite(c.loss())) {
            return "";
        }
        double upper = s.upper(c);
        return String.format(Locale.ROOT, " (standard error %s; loss + %.3f SE = %s %s %s)", Budget.num(round(se)),
                s.acceptance.z(), Budget.num(round(upper)), upper <= s.acceptance.allowed() + 1e-12 ? "≤" : ">",
                Budget.num(s.acceptance.allowed()));
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    private static String stem(Path model) {
        Path parent = model.toAbsolutePath().getParent();
        String name = model.getFileName().toString();
        if (name.equals("model.onnx") && parent != null && parent.getFileName() != null) {
            return parent.getFileName().toString();
        }
        return name.replaceAll("\\.onnx$", "");
    }

    private static void write(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UserException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
