package dev.onnxpress.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onnxpress.error.UserException;
import dev.onnxpress.exec.InferenceRuntime;
import dev.onnxpress.exec.ModelSession;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.passes.core.target.TargetFindings;
import dev.onnxpress.passes.core.target.TargetTable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code inspect --runtime R}: what in a model the runtime cannot run as it is, by the runtime's measured
 * capability table, whether make_compatible fixes each, and whether the runtime loads the model now.
 */
record CompatibilityNotes(String runtime, String measuredOn, List<TargetFindings.Finding> findings,
                          Set<String> unmeasured, Optional<String> loadError) {
    private static final int LISTED = 40;

    static CompatibilityNotes of(Model model, String runtime) {
        InferenceRuntime rt = InferenceRuntime.named(runtime).orElseThrow(() -> new UserException(
                "unknown runtime '" + runtime + "'; known: " + String.join(", ", InferenceRuntime.names())));
        TargetTable table = TargetTable.load(rt.name());
        Optional<String> error = Optional.empty();
        try (ModelSession s = rt.open(ModelWriter.toBytes(model))) {
            s.inputs();
        } catch (UserException e) {
            error = Optional.of(e.getMessage());
        }
        return new CompatibilityNotes(rt.name(), table.measuredOn(), TargetFindings.findings(model, table),
                TargetFindings.unmeasured(model, table), error);
    }

    String toText() {
        StringBuilder b = new StringBuilder();
        b.append("\nruntime ").append(runtime).append(" (capability table measured on ").append(measuredOn)
                .append(")\n");
        b.append("  loads now   ").append(loadError.map(e -> "no: " + e).orElse("yes")).append('\n');
        if (findings.isEmpty()) {
            b.append("  nothing the table marks as failing\n");
        }
        Map<String, Integer> byRule = new LinkedHashMap<>();
        int shown = 0;
        for (TargetFindings.Finding f : findings) {
            byRule.merge(f.rule(), 1, Integer::sum);
            if (shown++ < LISTED) {
                b.append("  ").append(f.fixable() ? "fixable   " : "CANNOT    ").append(f.where()).append(": ")
                        .append(f.rule()).append(f.evidence().isEmpty() ? "" : " (" + f.evidence() + ")").append('\n');
            }
        }
        if (findings.size() > LISTED) {
            b.append("  … ").append(findings.size() - LISTED).append(" more: ").append(byRule).append('\n');
        }
        if (!unmeasured.isEmpty()) {
            b.append("  not measured (no probe): ").append(String.join(", ", unmeasured)).append('\n');
        }
        long cannot = findings.stream().filter(f -> !f.fixable()).count();
        b.append("  make_compatible(runtime=").append(runtime).append(") ").append(findings.isEmpty()
                ? "has nothing to do" : cannot == 0 ? "fixes all of these"
                : "cannot fix " + cannot + " of " + findings.size()).append('\n');
        return b.toString();
    }

    ObjectNode toJson() {
        JsonNodeFactory n = JsonNodeFactory.instance;
        ObjectNode o = n.objectNode();
        o.put("runtime", runtime);
        o.put("measured_on", measuredOn);
        o.put("loads", loadError.isEmpty());
        o.set("load_error", loadError.<com.fasterxml.jackson.databind.JsonNode>map(n::textNode).orElse(n.nullNode()));
        var arr = o.putArray("findings");
        for (TargetFindings.Finding f : findings) {
            arr.addObject().put("where", f.where()).put("rule", f.rule()).put("evidence", f.evidence())
                    .put("fixable", f.fixable());
        }
        var um = o.putArray("not_measured");
        unmeasured.forEach(um::add);
        return o;
    }
}
