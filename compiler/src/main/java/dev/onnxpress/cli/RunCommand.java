package dev.onnxpress.cli;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.pipeline.ToleranceBreachException;
import dev.onnxpress.report.ReportFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
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
                "A step outside its tolerance stops the run (exit 1): no model is written, the reports are."})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RECIPE", description = "The recipe file.")
    Path recipe;

    @Option(names = {"-p", "--passes"}, paramLabel = "STEPS",
            description = "The steps in one line instead of a recipe file, e.g. 'strip_training_nodes, "
                    + "remove_identity()'. Steps are then checked on random probe inputs.")
    String steps;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "IN", description = "The model to compress.")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Where to write the result (not IN).")
    Path output;

    @Option(names = "--report-json", paramLabel = "FILE", description = "Write the JSON report here.")
    Path reportJson;

    @Option(names = "--report-html", paramLabel = "FILE", description = "Write the HTML report here.")
    Path reportHtml;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of random probe inputs and of every pass's random (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--latency-runs", paramLabel = "N", defaultValue = "10",
            description = "Timed ORT runs per latency figure (default ${DEFAULT-VALUE}).")
    int latencyRuns;

    @Option(names = "--dims", paramLabel = "NAME=N", split = ",",
            description = "Sizes of symbolic input dimensions for random probe inputs (runs without 'verify using'),"
                    + " by dim name or as input[axis], e.g. --dims height=48,width=192.")
    Map<String, Long> dims = new LinkedHashMap<>();

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = "Most memory one verification batch's activations may need, e.g. 4GB (estimated from the"
                    + " model's shapes; default: half the physical memory). A model that needs more is refused.")
    String memoryBudget;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if ((recipe == null) == (steps == null)) {
            throw new ParameterException(spec.commandLine(), recipe == null
                    ? "Missing recipe: give a RECIPE file or -p 'steps'" : "Give a RECIPE file or -p, not both");
        }
        if (latencyRuns < 1) {
            throw new ParameterException(spec.commandLine(), "--latency-runs must be at least 1");
        }
        for (Map.Entry<String, Long> d : dims.entrySet()) {
            if (d.getValue() < 1) {
                throw new ParameterException(spec.commandLine(), "--dims " + d.getKey() + "=" + d.getValue()
                        + ": a dimension size must be at least 1");
            }
        }
        RunOutputs files = new RunOutputs().input(input, "the input model").input(recipe, "the recipe")
                .output(RunOutputs.raw(spec, "--output"), output, "output")
                .output(RunOutputs.raw(spec, "--report-json"), reportJson, "JSON report")
                .output(RunOutputs.raw(spec, "--report-html"), reportHtml, "HTML report")
                .check();
        Plan plan = recipe != null ? new Binder().bindFile(recipe, recipe.toString())
                : new Binder().bindSteps(steps, "command line");
        for (dev.onnxpress.bind.DataDeclaration d : plan.data()) {
            for (Path f : d.files()) {
                files.input(f, "a data file of the recipe ('" + d.name() + "')");
            }
        }
        files.check();
        PrintWriter out = spec.commandLine().getOut();
        RunSettings settings = RunSettings.defaults().withSeed(seed).withLatencyIterations(latencyRuns)
                .withProbeDims(dims);
        if (memoryBudget != null) {
            settings = settings.withMemoryBudget(dev.onnxpress.pipeline.RunChecks.parseBytes(memoryBudget));
        }
        // live progress on stderr, one line per step; the table goes to stdout at the end
        PrintWriter err = spec.commandLine().getErr();
        PassManager manager = new PassManager(settings, s -> {
            err.println(ReportOutput.stepLine(s));
            err.flush();
        }, failed -> ReportOutput.writeFiles(failed, reportJson, reportHtml));
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
}
