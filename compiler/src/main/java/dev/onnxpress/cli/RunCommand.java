package dev.onnxpress.cli;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.ort.LatencyMode;
import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.pipeline.ToleranceBreachException;
import dev.onnxpress.report.ReportFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import dev.onnxpress.bind.BindException;
import dev.onnxpress.dsl.DataDecl;
import dev.onnxpress.error.UserException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code onnxpress run RECIPE -i IN -o OUT}: every step verified in ONNX Runtime. A tolerance breach
 * stops the run (exit 1) without writing the model; the reports are written either way.
 */
@Command(name = "run", sortOptions = false,
        description = {"Run a recipe on a model, verifying every step in ONNX Runtime.",
                "A step outside its tolerance stops the run (exit 1): no model is written, the reports are.",
                "Without -o the run is a dry run: every step is still run, verified and reported, but no model is"
                        + " written."})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RECIPE", description = "The recipe file.")
    Path recipe;

    @Option(names = {"-p", "--passes"}, paramLabel = "STEPS",
            description = "The steps in one line instead of a recipe file, for example 'strip_training_nodes, "
                    + "remove_identity()'. Steps are then checked on random probe inputs.")
    String steps;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "IN", description = "The model to compress.")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Where to write the result (not IN). Leave it out for a dry run.")
    Path output;

    @Option(names = "--report-json", paramLabel = "FILE", description = "Write the JSON report here.")
    Path reportJson;

    @Option(names = "--report-html", paramLabel = "FILE", description = "Write the HTML report here.")
    Path reportHtml;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of random probe inputs and of every pass's random (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--latency", paramLabel = "MODE", defaultValue = "quick",
            description = "How latency is measured: off, quick (about a second per step) or precise (up to 15 s per"
                    + " step, tighter intervals). Each step is timed against the input model in interleaved rounds;"
                    + " a difference within noise shows as '\u2248 same' (default ${DEFAULT-VALUE}).")
    String latency;

    @Option(names = "--latency-runs", paramLabel = "N",
            description = "At most N timed rounds per latency figure (fewer rounds than 8 give no interval: the"
                    + " speed is then shown with a '?').")
    Integer latencyRuns;

    @Option(names = "--dims", paramLabel = "NAME=N", split = ",",
            description = "Sizes of symbolic input dimensions for random probe inputs (runs without 'verify using'),"
                    + " by dim name or as input[axis], as in --dims height=48,width=192.")
    Map<String, Long> dims = new LinkedHashMap<>();

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = "Most memory one verification batch's activations may need, e.g. 4GB (estimated from the"
                    + " model's shapes; default: half the physical memory). A model that needs more is refused.")
    String memoryBudget;
    @Option(names = "--keep-overridable-weights",
            description = "Keep initializers that are also graph inputs overridable (weight passes then skip them);"
                    + " by default they are treated as weights and dropped from the graph inputs.")
    boolean keepOverridableWeights;

    @Option(names = "--data", paramLabel = "NAME=SPEC",
            description = "With -p: declare a data set for the steps, as a recipe's 'data NAME = …' would, for example"
                    + " --data calib=idx:images.gz,scale=1/255 or --data calib=random:8, then"
                    + " -p 'quantize_int8(calibration=calib)'. SPEC is KIND:FILE (idx, npy, onnx_test_data),"
                    + " random:COUNT or a recipe expression such as 'idx(images=\"x.gz\", scale=1/255)'.")
    List<String> data = new ArrayList<>();

    @Option(names = "--verify-data", paramLabel = "NAME",
            description = "With -p: verify every step on this --data set instead of random probes.")
    String verifyData;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "Labels of the --verify-data set (IDX or .npy), so accuracy is reported.")
    String labels;

    @Option(names = "--verify-on", paramLabel = "RUNTIME", split = ",",
            description = "Also run every step in these runtimes (opencv, ort_mobile) and check it there against"
                    + " the original in ONNX Runtime, as 'verify … on RUNTIME' does in a recipe.")
    java.util.List<String> verifyOn = new java.util.ArrayList<>();

    @Option(names = "--batch", paramLabel = "N", defaultValue = "0",
            description = "Samples per ONNX Runtime run when the model's batch dimension is not fixed; 0 (default)"
                    + " picks it from the model's activation size so memory does not grow with the data.")
    int batch;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "ONNX Runtime intra-op threads for verification and latency (default ${DEFAULT-VALUE}:"
                    + " reproducible sums; 0: every core).")
    int threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        RecipeOrSteps.requireExactlyOne(recipe, steps, spec);
        LatencyMode latencyMode = checkNumbers();
        RunOutputs files = new RunOutputs().input(input, "the input model").input(recipe, "the recipe")
                .output(RunOutputs.raw(spec, "--output"), output, "output")
                .output(RunOutputs.raw(spec, "--report-json"), reportJson, "JSON report")
                .output(RunOutputs.raw(spec, "--report-html"), reportHtml, "HTML report")
                .check();
        if (recipe != null && (!data.isEmpty() || verifyData != null || labels != null)) {
            throw new ParameterException(spec.commandLine(), "--data, --verify-data and --labels go with -p; a recipe"
                    + " file declares its data itself (data NAME = idx(…)) and says 'verify using NAME'");
        }
        Plan plan = recipe != null ? new Binder().bindFile(recipe, recipe.toString()) : bindSteps();
        if (!verifyOn.isEmpty()) {
            try {
                plan = plan.withTargets(Binder.targets(verifyOn, dev.onnxpress.dsl.SourceLocation.UNKNOWN));
            } catch (dev.onnxpress.bind.BindException e) {
                throw new ParameterException(spec.commandLine(), "--verify-on: " + e.reason());
            }
        }
        for (dev.onnxpress.bind.DataDeclaration d : plan.data()) {
            for (Path f : d.files()) {
                files.input(f, "a data file of the recipe ('" + d.name() + "')");
            }
        }
        files.check();
        PrintWriter out = spec.commandLine().getOut();
        RunSettings settings = settings(latencyMode);
        // live progress on stderr, one line per step; the table goes to stdout at the end
        PrintWriter err = spec.commandLine().getErr();
        PassManager manager = new PassManager(settings, s -> {
            err.println(ReportOutput.stepLine(s));
            err.flush();
        }, failed -> ReportOutput.writeFiles(failed, reportJson, reportHtml))
                .keepOverridableWeights(keepOverridableWeights);
        PassManager.Prepared prepared;
        try {
            prepared = manager.prepare(plan, input, Optional.ofNullable(output), files);
        } catch (ToleranceBreachException e) {
            ReportOutput.write(e.report(), reportJson, reportHtml, out);
            throw e;
        }
        // reports first, under temporary names; then the model; then the reports: all outputs or none
        try (prepared) {
            List<ReportFiles.Staged> reports = ReportOutput.stage(prepared.report(), reportJson, reportHtml);
            try {
                PassManager.commit(prepared);
                reports.forEach(ReportFiles.Staged::commit);
            } finally {
                reports.forEach(ReportFiles.Staged::close);
            }
        }
        ReportOutput.printTable(prepared.report(), out);
        return 0;
    }

    /** Checks the numeric options; returns the --latency mode. */
    private LatencyMode checkNumbers() {
        if (latencyRuns != null && latencyRuns < 1) {
            throw new ParameterException(spec.commandLine(), "--latency-runs must be at least 1");
        }
        LatencyMode latencyMode;
        try {
            latencyMode = LatencyMode.parse(latency);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--latency: " + e.getMessage());
        }
        if (batch < 0) {
            throw new ParameterException(spec.commandLine(), "--batch must be at least 0 (0: automatic)");
        }
        if (threads < 0) {
            throw new ParameterException(spec.commandLine(), "--threads must be at least 0 (0: every core)");
        }
        for (Map.Entry<String, Long> d : dims.entrySet()) {
            if (d.getValue() < 1) {
                throw new ParameterException(spec.commandLine(), "--dims " + d.getKey() + "=" + d.getValue()
                        + ": a dimension size must be at least 1");
            }
        }
        return latencyMode;
    }

    private RunSettings settings(LatencyMode latencyMode) {
        RunSettings settings = RunSettings.defaults().withSeed(seed).withLatencyMode(latencyMode)
                .withLatencyIterations(latencyRuns == null ? Integer.MAX_VALUE : latencyRuns)
                .withProbeDims(dims).withBatchSize(batch).withThreads(threads);
        if (memoryBudget != null) {
            settings = settings.withMemoryBudget(dev.onnxpress.pipeline.RunChecks.parseBytes(memoryBudget));
        }
        return settings;
    }

    /** The -p steps with the data sets of --data, --verify-data and --labels. */
    private Plan bindSteps() {
        if (recipe != null || steps == null) {
            throw new IllegalStateException();
        }
        if (labels != null && verifyData == null) {
            throw new ParameterException(spec.commandLine(), "--labels belongs to the --verify-data set: give"
                    + " --verify-data NAME too");
        }
        List<DataDecl> declared = new ArrayList<>();
        for (String d : data) {
            String name = d.contains("=") ? d.substring(0, d.indexOf('=')).strip() : d;
            declared.add(DataSpec.parse(d, name.equals(verifyData) ? Optional.ofNullable(labels) : Optional.empty()));
        }
        try {
            return new Binder().bindSteps(steps, "command line", declared, Optional.ofNullable(verifyData),
                    Path.of("").toAbsolutePath());
        } catch (BindException e) {
            String file = e.location().file();
            if (file.startsWith("--data ")) {
                String name = file.substring("--data ".length());
                String given = data.stream().filter(d -> d.startsWith(name + "=")).findFirst().orElse(name);
                throw new UserException("--data " + given + ": " + e.reason(), e);
            }
            throw e;
        } catch (UserException e) {
            Optional<String> hint = DataSpec.inlineDataHint(steps);
            if (hint.isPresent() && e.getMessage().startsWith("command line:")) {
                String at = e.getMessage().replaceFirst("^(command line:\\d+:\\d+): .*$", "$1");
                throw new UserException(at + ": " + hint.get(), e);
            }
            throw e;
        }
    }
}
