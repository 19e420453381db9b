package dev.onnxpress.pipeline;

import dev.onnxpress.exec.InferenceRuntime;
import dev.onnxpress.exec.ModelSession;
import dev.onnxpress.exec.RuntimeRejection;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.core.target.TargetFindings;
import dev.onnxpress.passes.core.target.TargetTable;
import dev.onnxpress.report.PipelineReport.Metrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The deployment runtimes a run verifies on besides ONNX Runtime ({@code verify … on opencv},
 * {@code --verify-on}): each model the pipeline measures also runs there, over the same evaluation
 * batches, and is compared with the original model in ONNX Runtime.
 */
final class TargetRuns {
    private final List<InferenceRuntime> runtimes;

    /** One model in one runtime: its outputs and metrics, or the runtime's error. */
    record Measured(String runtime, String description, Optional<Outputs> outputs, OptionalDouble accuracy,
                    Optional<Metrics> metrics, Optional<String> error) {
        boolean ran() {
            return error.isEmpty();
        }
    }

    private TargetRuns(List<InferenceRuntime> runtimes) {
        this.runtimes = List.copyOf(runtimes);
    }

    static TargetRuns of(List<String> names) {
        return new TargetRuns(names.stream().map(n -> InferenceRuntime.named(n).orElseThrow(
                () -> new IllegalArgumentException("unknown runtime " + n))).toList());
    }

    boolean isEmpty() {
        return runtimes.isEmpty();
    }

    /**
     * Warnings for what a step introduced that a runtime's measured capability table says it cannot run
     * (e.g. convert_opset writing Clip with inputs for a runtime without them): the rules failing in
     * {@code after} that did not fail in {@code before}, per runtime.
     */
    List<String> newFindings(dev.onnxpress.ir.Model before, dev.onnxpress.ir.Model after) {
        List<String> notes = new java.util.ArrayList<>();
        for (InferenceRuntime rt : runtimes) {
            TargetTable table = TargetTable.load(rt.name());
            java.util.Set<String> had = new java.util.HashSet<>();
            TargetFindings.findings(before, table).forEach(f -> had.add(f.rule()));
            java.util.Map<String, Long> added = new java.util.TreeMap<>();
            for (TargetFindings.Finding f : TargetFindings.findings(after, table)) {
                if (!had.contains(f.rule())) {
                    added.merge(f.rule() + (f.fixable() ? " (make_compatible fixes it)" : ""), 1L, Long::sum);
                }
            }
            if (!added.isEmpty()) {
                notes.add("warning: " + rt.name() + " cannot run what this step wrote, by its table (" + table.measuredOn()
                        + "): " + added.entrySet().stream().map(e -> e.getKey() + " ×" + e.getValue())
                        .collect(java.util.stream.Collectors.joining(", ")));
            }
        }
        return notes;
    }

    /** {@code model} in every runtime, against the ORT reference outputs. */
    Map<String, Measured> measure(RunnableModel runnable, Evaluator evaluator, PassContext.Progress progress, String task,
                                  Outputs reference) {
        Map<String, Measured> out = new LinkedHashMap<>();
        byte[] model = runtimes.isEmpty() ? null : runnable.bytes();
        for (InferenceRuntime rt : runtimes) {
            String description = rt.description();
            Outputs outputs;
            try (ModelSession s = rt.open(model)) {
                outputs = evaluator.run(s, progress, task + " in " + rt.name());
            } catch (RuntimeRejection e) {
                out.put(rt.name(), new Measured(rt.name(), description, Optional.empty(), OptionalDouble.empty(),
                        Optional.empty(), Optional.of(e.getMessage())));
                continue;
            }
            Optional<String> mismatch = sameShape(reference, outputs);
            if (mismatch.isPresent()) {
                out.put(rt.name(), new Measured(rt.name(), description, Optional.empty(), OptionalDouble.empty(),
                        Optional.empty(), Optional.of(rt.name() + " " + mismatch.get())));
                continue;
            }
            Metrics m = Fidelity.compare(outputs, reference, evaluator.labels());
            out.put(rt.name(), new Measured(rt.name(), description, Optional.of(outputs), m.accuracy(), Optional.of(m),
                    Optional.empty()));
        }
        return out;
    }

    private static Optional<String> sameShape(Outputs reference, Outputs outputs) {
        for (Map.Entry<String, FloatSeries> e : reference.series().entrySet()) {
            FloatSeries got = outputs.series(e.getKey());
            if (got == null) {
                return Optional.of("gives no output '" + e.getKey() + "'");
            }
            if (got.length() != e.getValue().length()) {
                return Optional.of("gives " + got.length() + " values for output '" + e.getKey() + "', ONNX Runtime "
                        + e.getValue().length());
            }
        }
        return Optional.empty();
    }
}
