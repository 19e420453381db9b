package dev.onnxpress.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.report.PipelineReport.Baseline;
import dev.onnxpress.report.PipelineReport.CheckResult;
import dev.onnxpress.report.PipelineReport.FileInfo;
import dev.onnxpress.report.PipelineReport.Metrics;
import dev.onnxpress.report.PipelineReport.SkipEntry;
import dev.onnxpress.report.PipelineReport.StepReport;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The machine-readable report. Key names are a contract with users' scripts: {@code input}, {@code output},
 * {@code recipe}, {@code baseline}, {@code steps[]} with {@code pass, options, location, changed, statistics,
 * skips, bytes, parameters, nodes, macs, latency_ms, metrics, verdict, checks, warnings}, plus {@code attempt,
 * notes, details, wall_seconds} per step (and, when latency was compared with the input model, {@code latency
 * {original_ms, candidate_ms, speedup, speedup_low, speedup_high, spread, rounds, verdict}}) and {@code outcome},
 * {@code data}, {@code wall_seconds} at the top. A run that verifies on deployment runtimes adds
 * {@code metrics_by_runtime} per step ({@code ort} and each runtime: {@code runtime_version, ran, error, metrics,
 * checks, passed}) and {@code baseline_by_runtime}. A figure that
 * does not exist is {@code null}; so is a non-finite measurement, since JSON has no NaN (the terminal and
 * HTML reports still say NaN).
 */
public final class JsonReport {
    /**
     * Bumped when a key changes meaning or disappears; adding keys does not bump it. Version 2: a step's
     * {@code verdict} is the word {@code "ok"}, {@code "warning"} or {@code "breach"}; its checks moved to
     * {@code checks}, and {@code warnings} lists why a step got {@code "warning"}.
     */
    public static final int FORMAT_VERSION = 2;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    public static String toJson(PipelineReport report) {
        try {
            return MAPPER.writeValueAsString(toTree(report)) + "\n";
        } catch (JsonProcessingException e) {
            // a tree of plain nodes always serializes; reaching here is a bug, not bad input
            throw new InternalException("internal error writing the JSON report; please report", e);
        }
    }

    /** Writes the report to {@code path} atomically: readers see the old file or the whole new one. */
    public static void write(PipelineReport report, Path path) {
        ReportFiles.writeAtomically(path, toJson(report), "JSON report");
    }

    public static ObjectNode toTree(PipelineReport report) {
        ObjectNode root = NODES.objectNode();
        root.put("format_version", FORMAT_VERSION);
        root.set("input", file(report.input()));
        root.set("output", report.output().<JsonNode>map(JsonReport::file).orElse(NODES.nullNode()));
        root.put("recipe", report.recipe());
        root.put("recipe_file", report.recipeFile());
        root.put("data", report.dataDescription());
        root.set("baseline", baseline(report.baseline()));
        if (!report.baselineByRuntime().isEmpty()) {
            ObjectNode by = root.putObject("baseline_by_runtime");
            report.baselineByRuntime().forEach((k, r) -> by.set(k, runtime(r)));
        }
        ArrayNode steps = root.putArray("steps");
        for (StepReport s : report.steps()) {
            steps.add(step(s));
        }
        ObjectNode outcome = root.putObject("outcome");
        outcome.put("status", report.outcome().status().name().toLowerCase(java.util.Locale.ROOT));
        outcome.set("message", text(report.outcome().message()));
        root.set("wall_seconds", number(report.wallSeconds()));
        return root;
    }

    private static ObjectNode file(FileInfo f) {
        ObjectNode o = NODES.objectNode();
        o.put("path", f.path());
        o.put("sha256", f.sha256());
        o.put("bytes", f.bytes());
        return o;
    }

    private static ObjectNode baseline(Baseline b) {
        ObjectNode o = NODES.objectNode();
        o.set("accuracy", number(b.accuracy()));
        o.set("latency_ms", number(b.latencyMs()));
        o.put("bytes", b.bytes());
        o.put("parameters", b.parameters());
        o.set("macs", number(b.macs()));
        o.put("nodes", b.nodes());
        return o;
    }

    private static ObjectNode step(StepReport s) {
        ObjectNode o = NODES.objectNode();
        o.put("pass", s.pass());
        o.put("options", s.options());
        o.put("location", s.location());
        o.set("attempt", text(s.attempt()));
        o.put("changed", s.changed());
        // Map.copyOf has no order; sorted keys keep two runs' reports diffable
        ObjectNode stats = o.putObject("statistics");
        new TreeMap<>(s.statistics()).forEach((k, v) -> stats.set(k, value(v)));
        ArrayNode skips = o.putArray("skips");
        for (SkipEntry skip : s.skips()) {
            skips.addObject().put("where", skip.where()).put("reason", skip.reason());
        }
        ArrayNode notes = o.putArray("notes");
        s.notes().forEach(notes::add);
        o.put("bytes", s.bytes());
        o.put("parameters", s.parameters());
        o.put("nodes", s.nodes());
        o.set("macs", number(s.macs()));
        o.set("latency_ms", number(s.latencyMs()));
        if (s.measured().recorded()) {
            o.put("batch_size", s.measured().batchSize());
            o.put("latency_batch_size", s.measured().latencyBatchSize());
            o.put("batch_dependent", s.measured().batchDependent());
        }
        s.speed().ifPresent(c -> {
            ObjectNode l = o.putObject("latency");
            l.set("original_ms", number(c.originalMs()));
            l.set("candidate_ms", number(c.candidateMs()));
            l.set("speedup", number(c.speedup()));
            l.set("speedup_low", number(c.speedupLow()));
            l.set("speedup_high", number(c.speedupHigh()));
            l.set("spread", number(c.spread()));
            l.put("rounds", c.rounds());
            l.put("verdict", c.verdict().json());
        });
        o.set("metrics", metrics(s.metrics()));
        o.put("verdict", s.verdict().level().word());
        checks(o.putArray("checks"), s.verdict().checks());
        ArrayNode warnings = o.putArray("warnings");
        s.verdict().warnings().forEach(warnings::add);
        if (!s.byRuntime().isEmpty()) {
            // the reference runtime first, in the same shape as the deployment runtimes
            ObjectNode by = o.putObject("metrics_by_runtime");
            ObjectNode ort = by.putObject("ort");
            ort.put("runtime_version", new dev.onnxpress.exec.OrtInference().description());
            ort.put("ran", true);
            ort.set("error", NODES.nullNode());
            ort.set("metrics", metrics(s.metrics()));
            ort.put("passed", s.verdict().checks().stream().allMatch(CheckResult::passed));
            s.byRuntime().forEach((k, r) -> by.set(k, runtime(r)));
        }
        o.set("wall_seconds", number(s.wallSeconds()));
        o.set("details", value(s.details()));
        return o;
    }

    private static void checks(ArrayNode checks, java.util.List<CheckResult> results) {
        for (CheckResult c : results) {
            ObjectNode check = checks.addObject();
            check.put("text", c.text());
            check.put("metric", c.metric());
            check.put("reference", c.reference());
            check.put("op", c.op());
            check.set("bound", number(c.bound()));
            check.set("measured", number(c.measured()));
            check.put("passed", c.passed());
        }
    }

    /** One model in a deployment runtime, metrics against the original in ONNX Runtime. */
    private static ObjectNode runtime(PipelineReport.RuntimeResult r) {
        ObjectNode o = NODES.objectNode();
        o.put("runtime_version", r.description());
        o.put("ran", r.error().isEmpty());
        o.set("error", text(r.error()));
        o.put("error_inherited", r.inherited());
        o.set("metrics", r.metrics().<JsonNode>map(JsonReport::metrics).orElse(NODES.nullNode()));
        checks(o.putArray("checks"), r.checks());
        // ran and met every check; an error the step inherited is not its breach, but not a pass either
        o.put("passed", r.error().isEmpty() && r.passed());
        return o;
    }

    private static ObjectNode metrics(Metrics m) {
        ObjectNode o = NODES.objectNode();
        o.set("max_abs_error", number(m.maxAbsError()));
        o.set("max_rel_error", number(m.maxRelError()));
        o.set("cosine", number(m.cosine()));
        o.set("top1_agreement", number(m.top1Agreement()));
        o.set("accuracy", number(m.accuracy()));
        return o;
    }

    private static JsonNode text(Optional<String> s) {
        return s.<JsonNode>map(NODES::textNode).orElse(NODES.nullNode());
    }

    private static JsonNode number(double d) {
        return Double.isFinite(d) ? NODES.numberNode(d) : NODES.nullNode();
    }

    private static JsonNode number(OptionalDouble d) {
        return d.isPresent() ? number(d.getAsDouble()) : NODES.nullNode();
    }

    private static JsonNode number(OptionalLong l) {
        return l.isPresent() ? NODES.numberNode(l.getAsLong()) : NODES.nullNode();
    }

    /**
     * Pass details are "JSON-friendly" by contract, but nothing enforces it: convert the shapes passes
     * produce (maps, lists, arrays, numbers, records, optionals) here rather than trust reflection-based
     * serialization, which would fail on a stray object or write NaN.
     */
    static JsonNode value(Object v) {
        if (v == null) {
            return NODES.nullNode();
        }
        if (v instanceof JsonNode node) {
            return node;
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (v instanceof CharSequence || v instanceof Character) {
            return NODES.textNode(v.toString());
        }
        if (v instanceof Double || v instanceof Float) {
            return number(((Number) v).doubleValue());
        }
        if (v instanceof BigDecimal d) {
            return NODES.numberNode(d);
        }
        if (v instanceof BigInteger i) {
            return NODES.numberNode(i);
        }
        if (v instanceof Number n) {
            return NODES.numberNode(n.longValue());
        }
        if (v instanceof Enum<?> e) {
            return NODES.textNode(e.name());
        }
        if (v instanceof Optional<?> o) {
            return value(o.orElse(null));
        }
        if (v instanceof OptionalDouble o) {
            return number(o);
        }
        if (v instanceof OptionalLong o) {
            return number(o);
        }
        if (v instanceof OptionalInt o) {
            return o.isPresent() ? NODES.numberNode(o.getAsInt()) : NODES.nullNode();
        }
        if (v instanceof Map<?, ?> map) {
            ObjectNode o = NODES.objectNode();
            map.forEach((k, item) -> o.set(String.valueOf(k), value(item)));
            return o;
        }
        if (v instanceof Collection<?> items) {
            ArrayNode a = NODES.arrayNode();
            items.forEach(item -> a.add(value(item)));
            return a;
        }
        if (v.getClass().isArray()) {
            ArrayNode a = NODES.arrayNode();
            int n = Array.getLength(v);
            for (int i = 0; i < n; i++) {
                a.add(value(Array.get(v, i)));
            }
            return a;
        }
        if (v instanceof Record r) {
            ObjectNode o = NODES.objectNode();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                try {
                    c.getAccessor().setAccessible(true);
                    o.set(c.getName(), value(c.getAccessor().invoke(r)));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    o.put(c.getName(), "<unreadable>");
                }
            }
            return o;
        }
        return NODES.textNode(v.toString());
    }
}
