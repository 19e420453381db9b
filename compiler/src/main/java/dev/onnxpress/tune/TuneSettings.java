package dev.onnxpress.tune;

import dev.onnxpress.error.UserException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Everything {@code tune} was asked for besides the model and data.
 *
 * @param families pass families the search may use (all of {@link #FAMILIES} by default)
 * @param z        standard errors a candidate's loss on the selection split must stay below the budget
 *                 ({@link Acceptance}; {@link Acceptance#Z} by default)
 */
public record TuneSettings(Budget budget, Objective objective, Set<String> families, Duration time, long seed,
                           double z) {
    public static final List<String> FAMILIES = List.of("prune_magnitude", "share_weights", "quantize_ternary", "quantize_int8",
            "pack_huffman", "convert_fp16", "strip_docs", "prune_channels", "fold_batchnorm", "add_early_exits");

    public TuneSettings {
        families = Set.copyOf(families);
        for (String f : families) {
            if (!FAMILIES.contains(f)) {
                throw new UserException("--passes " + f + ": not a family tune searches (families: "
                        + String.join(", ", FAMILIES) + ")");
            }
        }
        if (families.isEmpty()) {
            throw new UserException("--passes names no family (families: " + String.join(", ", FAMILIES) + ")");
        }
    }

    public static Set<String> parseFamilies(List<String> given) {
        if (given == null || given.isEmpty()) {
            return Set.copyOf(FAMILIES);
        }
        return Set.copyOf(given.stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
    }

    public boolean allows(String family) {
        return families.contains(family);
    }
}
