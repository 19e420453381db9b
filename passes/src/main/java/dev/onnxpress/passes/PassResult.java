package dev.onnxpress.passes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a pass did: whether it changed the model, its declared statistics, and every place it matched
 * but declined (with the reason). {@code notes} carry facts the report shows (e.g. "opset raised to 13");
 * {@code warnings} say the pass did (essentially) nothing its options asked for, which gives the step the
 * warning verdict instead of a tick (e.g. "quantized 0 of 85 candidate layers"). {@code outputs} are files
 * besides the ONNX model the pass asks the run to write with its output (save_ort_format's {@code .ort}); they
 * are options of the run's output, not of the graph.
 */
public record PassResult(boolean changed, Map<String, Number> statistics, List<Skip> skips, List<String> notes,
        Map<String, Object> details, List<String> warnings, java.util.Set<Output> outputs) {
    /** A file the run writes beside its ONNX output when a step asks for it. */
    public enum Output {
        /** ONNX Runtime's {@code .ort} format, same base name as the output. */
        ORT_FORMAT
    }

    public PassResult {
        outputs = java.util.Set.copyOf(outputs);
        statistics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(statistics));
        skips = List.copyOf(skips);
        notes = List.copyOf(notes);
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        warnings = List.copyOf(warnings);
    }

    public PassResult(boolean changed, Map<String, Number> statistics, List<Skip> skips, List<String> notes,
            Map<String, Object> details) {
        this(changed, statistics, skips, notes, details, List.of(), java.util.Set.of());
    }

    /** Where a pass matched but declined, and why (node or tensor name). */
    public record Skip(String where, String reason) {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects a result while a pass runs. */
    public static final class Builder {
        private final Map<String, Number> stats = new LinkedHashMap<>();
        private final List<Skip> skips = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        private final Map<String, Object> details = new LinkedHashMap<>();
        private final List<String> warnings = new ArrayList<>();
        private final java.util.Set<Output> outputs = java.util.EnumSet.noneOf(Output.class);

        public Builder stat(String name, Number value) {
            stats.put(name, value);
            return this;
        }

        public Builder add(String name, long delta) {
            stats.merge(name, delta, (a, b) -> a.longValue() + b.longValue());
            return this;
        }

        public Builder skip(String where, String reason) {
            skips.add(new Skip(where, reason));
            return this;
        }

        public Builder note(String note) {
            notes.add(note);
            return this;
        }

        /** The pass did not do what its options asked (the step gets the warning verdict). */
        public Builder warning(String warning) {
            warnings.add(warning);
            return this;
        }

        /** Structured data for the report (e.g. per-layer tables); values must be JSON-friendly. */
        public Builder detail(String key, Object value) {
            details.put(key, value);
            return this;
        }

        /** Asks the run to write {@code output} beside its ONNX output. */
        public Builder output(Output output) {
            outputs.add(output);
            return this;
        }

        public PassResult build(boolean changed) {
            return new PassResult(changed, stats, skips, notes, details, warnings, outputs);
        }
    }
}
