package dev.onnxpress.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.ort.LatencyComparison;
import dev.onnxpress.pipeline.ModelEvaluation;
import dev.onnxpress.report.PipelineReport.Metrics;
import dev.onnxpress.report.ReportFormat;
import dev.onnxpress.report.TextTable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code onnxpress compare A B}: both models on the same inputs in ONNX Runtime, B against A per output,
 * exit 1 when a value of B is outside {@code atol + rtol·|A|} of A's.
 */
@Command(name = "compare", sortOptions = false,
        description = {"Run two models on the same inputs in ONNX Runtime and compare their outputs: per output",
                "max_abs, max_rel, cosine and top-1 agreement of B against A. Exit 1 when a value of B lies outside",
                "|B - A| <= atol + rtol·|A|."})
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "The reference model.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "The model compared with A.")
    Path b;

    @Mixin
    EvaluationOptions options;

    @Option(names = "--rtol", paramLabel = "X", defaultValue = "1e-5", converter = RecipeNumber.class,
            description = "Relative tolerance (default ${DEFAULT-VALUE}).")
    double rtol;

    @Option(names = "--atol", paramLabel = "X", defaultValue = "1e-5", converter = RecipeNumber.class,
            description = "Absolute tolerance (default ${DEFAULT-VALUE}).")
    double atol;

    @Option(names = "--latency", paramLabel = "MODE", defaultValue = "off",
            description = "off, quick or precise (default ${DEFAULT-VALUE}): also time B against A in interleaved"
                    + " rounds, as run times every step.")
    String latency;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!(rtol >= 0) || !(atol >= 0)) {
            throw new ParameterException(spec.commandLine(), "--rtol and --atol must be at least 0");
        }
        ModelEvaluation evaluation = options.evaluation(spec, latency, a);
        ModelEvaluation.Evaluated ea = evaluation.run(a);
        ModelEvaluation.Evaluated eb = evaluation.run(b);
        ModelEvaluation.Comparison c = evaluation.compare(eb, ea);
        Map<String, Long> outside = evaluation.outside(eb, ea, atol, rtol);
        Map<String, Long> sizes = evaluation.sizes(ea);
        Optional<LatencyComparison> speed = evaluation.latency(ea, eb);
        boolean pass = outside.values().stream().allMatch(n -> n == 0);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(json(evaluation, c, outside, sizes, ea.accuracy(), eb.accuracy(), speed, pass));
        } else {
            text(out, evaluation, c, outside, sizes, ea.accuracy(), eb.accuracy(), speed, pass);
        }
        out.flush();
        return pass ? 0 : 1;
    }

    private void text(PrintWriter out, ModelEvaluation evaluation, ModelEvaluation.Comparison c,
                      Map<String, Long> outside, Map<String, Long> sizes, OptionalDouble accA, OptionalDouble accB,
                      Optional<LatencyComparison> speed, boolean pass) {
        ReportFormat f = ReportFormat.unicode();
        out.println("A     " + a);
        out.println("B     " + b);
        out.println("data  " + evaluation.dataDescription());
        TextTable t = new TextTable(List.of(new TextTable.Column("output", false), new TextTable.Column("values", true),
                new TextTable.Column("max_abs", true), new TextTable.Column("max_rel", true),
                new TextTable.Column("cosine", true), new TextTable.Column("top1", true),
                new TextTable.Column("outside", true), new TextTable.Column("ok", false)));
        for (Map.Entry<String, Metrics> e : c.perOutput().entrySet()) {
            Metrics m = e.getValue();
            long n = outside.get(e.getKey());
            t.add(List.of(e.getKey(), Long.toString(sizes.get(e.getKey())), f.error(m.maxAbsError()),
                    f.error(m.maxRelError()), f.cosine(m.cosine()), f.percent(m.top1Agreement()), Long.toString(n),
                    f.check(n == 0)));
        }
        out.print(t.render());
        if (accA.isPresent() || accB.isPresent()) {
            out.println("accuracy  A " + f.percent(accA) + ", B " + f.percent(accB));
        }
        speed.ifPresent(s -> out.println("latency   A " + f.millis(s.originalMs()) + ", B " + f.millis(s.candidateMs())
                + " (median, one sample): B is " + speedText(f, s)));
        long bad = outside.values().stream().mapToLong(Long::longValue).sum();
        long all = sizes.values().stream().mapToLong(Long::longValue).sum();
        String bound = "|B - A| <= " + PlainNumber.of(atol) + " + " + PlainNumber.of(rtol) + "·|A|";
        out.println(pass ? "OK: every value of B within " + bound
                : "FAIL: " + bad + " of " + all + " values of B outside " + bound);
    }

    static String speedText(ReportFormat f, LatencyComparison s) {
        return switch (s.verdict()) {
            case SAME -> "\u2248 same speed (" + s.rounds() + " rounds; the 95 % interval of the speed-up holds 1 or"
                    + " the difference is within noise)";
            case UNCERTAIN -> String.format(java.util.Locale.ROOT, "%.2f", s.speedup()) + "\u00d7 as fast (only "
                    + s.rounds() + " rounds: no interval)";
            default -> String.format(java.util.Locale.ROOT, "%.2f\u00d7 as fast (95 %% interval %.2f to %.2f, %d rounds)",
                    s.speedup(), s.speedupLow(), s.speedupHigh(), s.rounds());
        };
    }

    private String json(ModelEvaluation evaluation, ModelEvaluation.Comparison c, Map<String, Long> outside,
                        Map<String, Long> sizes, OptionalDouble accA, OptionalDouble accB,
                        Optional<LatencyComparison> speed, boolean pass) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("a", a.toString());
        o.put("b", b.toString());
        o.put("data", evaluation.dataDescription());
        o.put("rtol", rtol);
        o.put("atol", atol);
        ArrayNode outs = o.putArray("outputs");
        for (Map.Entry<String, Metrics> e : c.perOutput().entrySet()) {
            Metrics m = e.getValue();
            ObjectNode n = outs.addObject();
            n.put("name", e.getKey());
            n.put("values", sizes.get(e.getKey()));
            number(n, "max_abs", m.maxAbsError());
            number(n, "max_rel", m.maxRelError());
            number(n, "cosine", m.cosine());
            number(n, "top1_agreement", m.top1Agreement().orElse(Double.NaN));
            n.put("outside", outside.get(e.getKey()));
            n.put("passed", outside.get(e.getKey()) == 0);
        }
        number(o, "accuracy_a", accA.orElse(Double.NaN));
        number(o, "accuracy_b", accB.orElse(Double.NaN));
        speed.ifPresent(s -> {
            ObjectNode l = o.putObject("latency");
            number(l, "a_ms", s.originalMs());
            number(l, "b_ms", s.candidateMs());
            number(l, "speedup", s.speedup());
            number(l, "speedup_low", s.speedupLow());
            number(l, "speedup_high", s.speedupHigh());
            l.put("rounds", s.rounds());
            l.put("verdict", s.verdict().json());
        });
        o.put("passed", pass);
        try {
            return mapper.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InternalException("cannot render JSON: " + e.getMessage(), e);
        }
    }

    /** JSON has no NaN: a figure that does not exist or is not finite is null. */
    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    /** 1e-05 as 1e-5, 0.001 as 0.001. */
    static final class PlainNumber {
        static String of(double v) {
            return ReportFormat.significant(v).replace("e-0", "e-");
        }
    }
}
