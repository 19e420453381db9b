package dev.onnxpress.passes;

import java.util.List;
import java.util.Set;

/**
 * What a pass is: its stable id (snake_case, verb first), a one-line summary, its traits and the
 * statistics it reports (counted noun + unit, e.g. {@code nodes_removed}).
 */
public record PassInfo(String id, String summary, Set<Trait> traits, List<String> statistics) {
    public PassInfo {
        traits = Set.copyOf(traits);
        statistics = List.copyOf(statistics);
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
