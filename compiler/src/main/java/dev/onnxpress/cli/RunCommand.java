package dev.onnxpress.cli;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.pipeline.ToleranceBreachException;
import dev.onnxpress.report.PipelineReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
        if ((recipe == null) == (steps == null)) {
            throw new ParameterException(spec.commandLine(), recipe == null
                    ? "Missing recipe: give a RECIPE file or -p 'steps'" : "Give a RECIPE file or -p, not both");
        }
        if (latencyRuns < 1) {
            throw new ParameterException(spec.commandLine(), "--latency-runs must be at least 1");
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
        Plan plan = recipe != null ? new Binder().bindFile(recipe, recipe.toString())
                : new Binder().bindSteps(steps, "command line");
        PrintWriter out = spec.commandLine().getOut();
        RunSettings settings = RunSettings.defaults().withSeed(seed).withLatencyIterations(latencyRuns)
                .withProbeDims(dims).withBatchSize(batch).withThreads(threads);
        // live progress on stderr, one line per step; the table goes to stdout at the end
        PrintWriter err = spec.commandLine().getErr();
        PassManager manager = new PassManager(settings, s -> {
            err.println(ReportOutput.stepLine(s));
            err.flush();
        }, failed -> ReportOutput.writeFiles(failed, reportJson, reportHtml));
        PipelineReport report;
        try {
            report = manager.run(plan, input, Optional.ofNullable(output));
        } catch (ToleranceBreachException e) {
            ReportOutput.write(e.report(), reportJson, reportHtml, out);
            throw e;
        }
        ReportOutput.write(report, reportJson, reportHtml, out);
        return 0;
    }
}
