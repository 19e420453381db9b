package dev.onnxpress.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.onnxpress.bind.BindException;
import dev.onnxpress.bind.PassCall;
import dev.onnxpress.data.Batch;
import dev.onnxpress.data.DataSet;
import dev.onnxpress.data.DataSets;
import dev.onnxpress.data.ModelSignature;
import dev.onnxpress.data.Preprocess;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.pipeline.ModelEvaluation;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.FixedSamplesContext;
import dev.onnxpress.passes.OptionSpec;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Criterion;
import dev.onnxpress.passes.prune.channels.PruneChannelsPass;
import dev.onnxpress.report.SensitivityHtml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code onnxpress sensitivity MODEL --data …}: prunes one layer at a time at each ratio (L1-filter
 * paper style) and reports accuracy (with labels) or output cosine similarity to the unpruned model.
 * The JSON form is {@code {metric, baseline, ratios[], layers[{layer, channels, values[], skipped}]}}:
 * one series per layer, ready to plot against the ratios. {@code --html FILE} also writes them as a
 * self-contained page: a line chart (metric vs ratio, one line per layer) and the table.
 */
@Command(name = "sensitivity", sortOptions = false,
        description = {"Per-layer pruning sensitivity: prune_channels on one layer at a time, at each ratio,",
                "and the accuracy (with --labels) or output cosine similarity that remains."})
final class SensitivityCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "The .onnx file.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "IDX (or .npy) images file, or an ONNX test_data directory.")
    Path data;

    @Option(names = "--labels", paramLabel = "FILE", description = "Labels file for --data (IDX or .npy): report accuracy.")
    Optional<Path> labels;

    @Option(names = "--scale", paramLabel = "X", defaultValue = "1", converter = RecipeNumber.class,
            description = "Multiply input values by this, written as in a recipe: 1/255, 0.00392157, 1e-3.")
    double scale;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1000", description = "Use at most this many samples.")
    int count;

    @Option(names = "--layers", paramLabel = "NAME", split = ",", description = "Node names to probe (default: every Conv/Gemm/MatMul).")
    List<String> layers;

    @Option(names = "--ratios", paramLabel = "R", split = ",", defaultValue = "10%,30%,50%",
            description = "Ratios to try (default ${DEFAULT-VALUE}).")
    List<String> ratios;

    @Option(names = "--criterion", paramLabel = "NAME", defaultValue = "l1",
            description = "bn_gamma, l1, l2, activation or reconstruction (the last two need --calibration).")
    String criterion;

    @Option(names = "--calibration", paramLabel = "FILE", description = "Data whose activations drive the activation and reconstruction"
            + " criteria and --compensate (IDX, .npy or an ONNX test_data directory; --scale applies). Keep it apart"
            + " from --data, or the table flatters the pruned models.")
    Optional<Path> calibration;

    @Option(names = "--calibration-count", paramLabel = "N", defaultValue = "500", description = "Use at most this many calibration samples.")
    int calibrationCount;

    @Option(names = "--compensate", description = "Refit the layers that read the pruned channels on --calibration"
            + " (prune_channels compensate=true), as a recipe with compensation would.")
    boolean compensate;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE",
            description = "Also write the table and a plot (metric vs ratio, one line per layer) as one HTML file.")
    Optional<Path> html;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        RunOutputs files = new RunOutputs().input(model, "the input model").input(data, "the --data file")
                .input(labels.orElse(null), "the --labels file").input(calibration.orElse(null), "the --calibration file")
                .output(RunOutputs.raw(spec, "--html"), html.orElse(null), "HTML report")
                .check();
        Model m = ModelReader.read(model);
        files.inputRead(m);
        byte[] bytes = ModelWriter.toBytes(m);
        Criterion crit = probeOptions(0, false).criterion();
        List<Double> rs = ratios.stream().map(SensitivityCommand::parseRatio).toList();
        boolean needsData = crit == Criterion.activation || crit == Criterion.reconstruction || compensate;
        if (needsData && calibration.isEmpty()) {
            throw new UserException("sensitivity: " + (compensate ? "--compensate" : "--criterion " + criterion)
                    + " needs --calibration FILE (data apart from --data)");
        }
        ModelSignature signature;
        try (OrtRunner r = OrtRunner.open(bytes)) {
            signature = ModelSignature.of(r);
        }
        List<Batch> batches = limit(dataSet("data", data, labels).batches(signature, 100), count);
        List<Map<String, Tensor>> calibrationFeeds = calibration.isEmpty() ? List.of()
                : limit(dataSet("calibration", calibration.get(), Optional.empty()).batches(signature, 100),
                        calibrationCount).stream().map(Batch::feeds).toList();
        // the pipeline's evaluator and metrics: accuracy with labels, else cosine to the unpruned outputs
        ModelEvaluation evaluation = ModelEvaluation.on(DataSets.ofBatches("data", batches),
                RunSettings.defaults().withThreads(0).withProgress(false));
        ModelEvaluation.Evaluated reference = evaluation.run(bytes, model.toString());
        boolean accuracy = batches.stream().allMatch(b -> b.labels().isPresent()) && reference.accuracy().isPresent();
        double baseline = accuracy ? reference.accuracy().getAsDouble() : 1.0;
        List<String> probe = layers != null ? layers : m.graph().nodes().stream()
                .filter(n -> n.is("Conv") || n.is("Gemm") || n.is("MatMul") || n.is("ConvTranspose"))
                .map(Node::name).filter(s -> !s.isEmpty()).toList();
        for (String l : probe) {
            if (m.graph().findNode(l).isEmpty()) {
                throw new UserException("sensitivity: the model has no node '" + l + "'");
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        PassContext ctx = needsData ? new FixedSamplesContext(calibrationFeeds, 1) : context();
        for (String l : probe) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", l);
            List<Double> values = new ArrayList<>();
            String skipped = "";
            for (double ratio : rs) {
                Model c = m.copy();
                PassResult res = new PruneChannelsPass().run(c, probeOptions(ratio, needsData)
                        .withLayers(n -> n.name().equals(l)), ctx);
                if (res.statistics().get("channels_pruned").longValue() == 0) {
                    skipped = res.skips().stream().filter(s -> s.where().contains(l)).map(PassResult.Skip::reason)
                            .findFirst().orElse(ratio == 0 ? "" : "nothing to prune at this ratio");
                    values.add(baseline);
                    continue;
                }
                ModelEvaluation.Evaluated out = evaluation.run(ModelWriter.toBytes(c), l + " at " + ratio);
                values.add(accuracy ? out.accuracy().getAsDouble()
                        : evaluation.compare(out, reference).overall().cosine());
            }
            row.put("values", values);
            row.put("skipped", skipped);
            rows.add(row);
        }
        String metric = accuracy ? "accuracy" : "cosine";
        if (html.isPresent()) {
            writeHtml(m, rows, metric, baseline, rs);
        }
        print(rows, metric, baseline, rs);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The HTML chart: one series per layer, with its output channels. */
    private void writeHtml(Model m, List<Map<String, Object>> rows, String metric, double baseline, List<Double> rs) {
        List<SensitivityHtml.Series> series = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            @SuppressWarnings("unchecked")
            List<Double> v = (List<Double>) row.get("values");
            String l = (String) row.get("layer");
            int channels = m.graph().findNode(l).filter(n -> n.inputs().size() > 1)
                    .flatMap(n -> m.graph().constantValue(n.input(1))).filter(w -> w.rank() > 0)
                    .map(w -> (int) w.dim(0)).orElse(0);
            series.add(new SensitivityHtml.Series(l, channels, v, (String) row.get("skipped")));
        }
        SensitivityHtml.write(html.get(), new SensitivityHtml.Table(model.getFileName().toString(), metric,
                criterion, baseline, rs, series));
    }

    /** The table on standard output, as JSON with --json. */
    private void print(List<Map<String, Object>> rows, String metric, double baseline, List<Double> rs) {
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("metric", metric);
            doc.put("criterion", criterion);
            doc.put("baseline", baseline);
            doc.put("ratios", rs);
            doc.put("layers", rows);
            try {
                spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(doc));
            } catch (JsonProcessingException e) {
                throw new InternalException("cannot render sensitivity as JSON: " + e.getMessage(), e);
            }
        } else {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%s (%s), baseline %.4f%n", metric, criterion, baseline));
            sb.append(String.format(Locale.ROOT, "%-40s", "layer"));
            rs.forEach(r -> sb.append(String.format(Locale.ROOT, "%10s", Math.round(r * 100) + "%")));
            sb.append('\n');
            for (Map<String, Object> row : rows) {
                sb.append(String.format(Locale.ROOT, "%-40s", row.get("layer")));
                @SuppressWarnings("unchecked")
                List<Double> v = (List<Double>) row.get("values");
                v.forEach(x -> sb.append(String.format(Locale.ROOT, "%10.4f", x)));
                if (!((String) row.get("skipped")).isEmpty()) {
                    sb.append("  (").append(row.get("skipped")).append(')');
                }
                sb.append('\n');
            }
            spec.commandLine().getOut().print(sb);
        }
    }

    private static final DataRef CALIBRATION = new DataRef("calibration");

    private DataSet dataSet(String name, Path p, Optional<Path> labelFile) {
        return Files.isDirectory(p) ? DataSets.onnxTestData(name, p)
                : p.toString().endsWith(".npy")
                ? DataSets.npy(name, p, labelFile, Preprocess.scale(scale), OptionalInt.empty())
                : DataSets.idx(name, p, labelFile, Preprocess.scale(scale), OptionalInt.empty());
    }

    /**
     * prune_channels' options for one probe, bound from the text a recipe would hold (so --criterion takes the
     * recipe's words, with its messages): the criterion, the ratio in each layer, and the calibration data
     * the data-driven criteria and --compensate read.
     */
    private PruneChannelsOptions probeOptions(double ratio, boolean withData) {
        if (!criterion.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new UserException("sensitivity: --criterion must be a word such as l1, not '" + criterion + "'");
        }
        String args = "criterion=" + criterion + ", ratio=" + ratio + ", scope=layer"
                + (withData ? ", calibration=" + CALIBRATION.name() + (compensate ? ", compensate=true" : "") : "");
        try {
            return PassCall.options(PruneChannelsOptions.class, PruneChannelsPass.ID, args,
                    withData ? List.of(CALIBRATION.name()) : List.of());
        } catch (BindException e) {
            throw new UserException("sensitivity: " + e.reason(), e);
        }
    }

    private static final OptionSpec RATIO = OptionSpec.named(PruneChannelsOptions.class, "ratio");

    static double parseRatio(String s) {
        try {
            String t = s.trim();
            double v = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100 : Double.parseDouble(t);
            if (!RATIO.inRange(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UserException("sensitivity: ratio '" + s + "' must be a fraction or a percentage "
                    + RATIO.rangeWords() + ", as prune_channels' ratio");
        }
    }

    private static List<Batch> limit(List<Batch> batches, int count) {
        List<Batch> out = new ArrayList<>();
        int n = 0;
        for (Batch b : batches) {
            if (n >= count) {
                break;
            }
            out.add(b);
            n += b.count();
        }
        return out;
    }

    private static PassContext context() {
        return new PassContext() {
            private final Random random = new Random(1);

            @Override
            public List<Map<String, Tensor>> samples(DataRef d) {
                throw new UserException("sensitivity: the l1/l2/bn_gamma criteria need no data");
            }

            @Override
            public Optional<int[]> labels(DataRef d) {
                return Optional.empty();
            }

            @Override
            public Random random() {
                return random;
            }

            @Override
            public Progress progress() {
                return Progress.NONE;
            }
        };
    }
}
