package dev.onnxpress.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.ort.LatencyStats;
import dev.onnxpress.pipeline.ModelEvaluation;
import dev.onnxpress.report.ReportFormat;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code onnxpress eval MODEL --data D [--labels L]}: accuracy and latency of one model. */
@Command(name = "eval", sortOptions = false,
        description = {"Run one model on data in ONNX Runtime and report its accuracy (with --labels) and latency,",
                "measured as run measures every step."})
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx file (packed models too).")
    Path model;

    @Mixin
    EvaluationOptions options;

    @Option(names = "--latency", paramLabel = "MODE", defaultValue = "quick",
            description = "off, quick or precise (default ${DEFAULT-VALUE}); the median time of one run on one sample.")
    String latency;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelEvaluation evaluation = options.evaluation(spec, latency, model);
        ModelEvaluation.Evaluated e = evaluation.run(model);
        OptionalDouble accuracy = e.accuracy();
        double ms = Double.NaN;
        LatencyStats stats = null;
        if (!evaluation.latencyMode().off()) {
            stats = evaluation.latencyStats(e);
            ms = stats.medianMs();
        }
        PrintWriter out = spec.commandLine().getOut();
        ReportFormat f = ReportFormat.unicode();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("model", model.toString());
            o.put("data", evaluation.dataDescription());
            o.put("samples", e.samples());
            if (accuracy.isPresent()) {
                o.put("accuracy", accuracy.getAsDouble());
            } else {
                o.putNull("accuracy");
            }
            ObjectNode l = o.putObject("latency");
            l.put("mode", evaluation.latencyMode().name());
            if (stats != null) {
                l.put("median_ms", stats.medianMs());
                l.put("p90_ms", stats.p90Ms());
                l.put("min_ms", stats.minMs());
                l.put("rounds", stats.iterations());
            }
            try {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o));
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new InternalException("cannot render JSON: " + ex.getMessage(), ex);
            }
        } else {
            out.println("model     " + model);
            out.println("data      " + evaluation.dataDescription());
            out.println("outputs   " + String.join(", ", e.outputNames()));
            out.println("accuracy  " + (accuracy.isPresent() ? f.percent(accuracy)
                    : "not measured (needs --labels and a classifier output [N, classes])"));
            out.println("latency   " + (stats == null ? "not measured (--latency off)"
                    : f.millis(ms) + " median of one run on one sample (p90 " + f.millis(stats.p90Ms()) + ", "
                            + stats.iterations() + " rounds, ORT optimizations on)"));
        }
        out.flush();
        return 0;
    }
}
