package dev.onnxpress.cli;

import dev.onnxpress.tune.Acceptance;
import dev.onnxpress.tune.Budget;
import dev.onnxpress.tune.DataSource;
import dev.onnxpress.tune.Deadline;
import dev.onnxpress.tune.Objective;
import dev.onnxpress.tune.TuneHtml;
import dev.onnxpress.tune.TuneSettings;
import dev.onnxpress.tune.TuneSummary;
import dev.onnxpress.tune.Tuner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code onnxpress tune MODEL --data D --budget 1pt --objective size -o RECIPE}: searches for the recipe
 * that makes the model smallest (or fastest) within the budget and writes it. Exit 1 when nothing met the
 * budget on the held-out slice (the closest recipe is written, marked over budget).
 */
@Command(name = "tune", sortOptions = false,
        description = {"Search for a recipe: the most compression within an accuracy or fidelity budget.",
                "The data is split into calibration / selection / held-out slices; the search never sees the",
                "held-out slice, the written recipe verifies on it. Exit 1 when the result breaks the budget."})
final class TuneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx model to compress.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "D", description = "IDX or .npy file of samples.")
    Path data;

    @Option(names = "--labels", paramLabel = "L", description = "Labels for --data (IDX or .npy): budget in accuracy points.")
    Path labels;

    @Option(names = "--budget", required = true, paramLabel = "B",
            description = "What may be lost: 1pt (accuracy points, needs --labels), 0.999cos (cosine floor), 0.98top1.")
    String budget;

    @Option(names = "--objective", required = true, paramLabel = "O", description = "size, macs or latency.")
    String objective;

    @Option(names = "--passes", split = ",", paramLabel = "FAMILY",
            description = "Pass families the search may use (default all): prune_magnitude, share_weights,"
                    + " quantize_ternary, quantize_int8, pack_huffman, convert_fp16, strip_docs, prune_channels, fold_batchnorm,"
                    + " add_early_exits.")
    List<String> passes;

    @Option(names = "--time", defaultValue = "30m", paramLabel = "T",
            description = "Time limit of the whole command, e.g. 90s, 30m (default ${DEFAULT-VALUE}).")
    String time;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "RECIPE", description = "The recipe file to write.")
    Path recipe;

    @Option(names = "--model-out", paramLabel = "OUT", description = "Also write the compressed model here.")
    Path modelOut;

    @Option(names = "--report-html", paramLabel = "F", description = "Write the HTML report here.")
    Path reportHtml;

    @Option(names = "--report-json", paramLabel = "F", description = "Write the JSON report here.")
    Path reportJson;

    @Option(names = "--scale", defaultValue = "1", paramLabel = "X",
            description = "Multiply input values by this first (1/255 as 0.00392156862745098), as the model expects.")
    String scale;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of every pass's random.")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Budget b = Budget.parse(budget);
        Objective o = Objective.parse(objective);
        TuneSettings settings = new TuneSettings(b, o, TuneSettings.parseFamilies(passes), Deadline.parse(time), seed,
                Acceptance.Z);
        double sc = parseScale(scale);
        if (modelOut != null && modelOut.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize())) {
            throw new ParameterException(spec.commandLine(), "--model-out is the input model; give another file");
        }
        DataSource source = DataSource.of(data, Optional.ofNullable(labels), sc);
        PrintWriter err = spec.commandLine().getErr();
        boolean console = System.console() != null;
        TuneProgress progress = new TuneProgress(err, console);
        Path cache = recipe.resolveSibling(recipe.getFileName() + ".cache.jsonl");
        TuneSummary s;
        try {
            s = new Tuner(settings, progress).tune(model, source, recipe, Optional.ofNullable(modelOut),
                    Optional.of(cache));
        } finally {
            progress.close();
        }
        if (reportJson != null) {
            s.writeJson(reportJson);
        }
        if (reportHtml != null) {
            TuneHtml.write(s, reportHtml);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s: %s %s → %s (%.2f×), %s on %d held-out samples — %s%n", recipe, o.id(),
                num(o.value(s.heldOutOriginal())), num(o.value(s.heldOut())), s.heldOutRatio(),
                b.describeLoss(s.heldOutLoss()), s.split().heldOutCount(),
                s.withinBudget() ? "within the budget" : "OVER BUDGET");
        out.printf(Locale.ROOT, "%d candidates (%d run, %d cached), search %.0f s, total %.0f s%s%n",
                s.candidates().size(), s.evaluationsRun(), s.evaluationsCached(), s.searchSeconds(), s.wallSeconds(),
                s.modelOut().map(m -> "; model written to " + m).orElse(""));
        return s.withinBudget() ? 0 : 1;
    }

    private double parseScale(String text) {
        try {
            int slash = text.indexOf('/');
            double v = slash > 0 ? Double.parseDouble(text.substring(0, slash)) / Double.parseDouble(text.substring(slash + 1))
                    : Double.parseDouble(text);
            if (!(v > 0) || !Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "--scale " + text + ": give a positive number such as 1/255");
        }
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%.3f", v);
    }
}
