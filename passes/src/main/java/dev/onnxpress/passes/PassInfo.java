package dev.onnxpress.passes;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a pass is: its stable id (snake_case, verb first), a one-line summary, its traits and the
 * statistics it reports (counted noun + unit, e.g. {@code nodes_removed}) with what each counts. Registered
 * passes declare it with {@link PassSpec}.
 *
 * @param statisticDocs statistic → description, in report order (a description may be empty)
 */
public record PassInfo(String id, String summary, Set<Trait> traits, Map<String, String> statisticDocs) {
    public PassInfo {
        traits = Set.copyOf(traits);
        statisticDocs = Collections.unmodifiableMap(new LinkedHashMap<>(statisticDocs));
    }

    /** Statistics without descriptions (passes written for tests). */
    public PassInfo(String id, String summary, Set<Trait> traits, List<String> statistics) {
        this(id, summary, traits, undocumented(statistics));
    }

    private static Map<String, String> undocumented(List<String> statistics) {
        Map<String, String> m = new LinkedHashMap<>();
        statistics.forEach(s -> m.put(s, ""));
        return m;
    }

    /** The statistics' keys, in report order. */
    public List<String> statistics() {
        return List.copyOf(statisticDocs.keySet());
    }

    /** What a statistic counts, when declared. */
    public Optional<String> description(String statistic) {
        return Optional.ofNullable(statisticDocs.get(statistic)).filter(d -> !d.isBlank());
    }

    public boolean has(Trait t) {
        return traits.contains(t);
    }

    public enum Trait {
        /** Output computes the same function up to float round-off: held to a tight default tolerance. */
        PRESERVES_SEMANTICS,
        /** Deliberately changes results (pruning, quantization): the recipe's tolerance decides. */
        LOSSY,
        /** Needs a data set (calibration samples). */
        NEEDS_DATA,
        /** Running it twice changes nothing the second time. */
        IDEMPOTENT,
        /** Output holds onnxpress-packed tensors: only the onnxpress runtime loads it. */
        PACKS,
        /**
         * Meant to make the model file smaller: a step that grows the file, or changes nothing, gets the
         * warning verdict instead of a tick.
         */
        SHRINKS,
        /**
         * What the output computes for a sample depends on the batch it runs in (a gate over the whole batch):
         * the pipeline verifies this step and every later one at the batch size the model is deployed at.
         */
        BATCH_DEPENDENT
    }
}
