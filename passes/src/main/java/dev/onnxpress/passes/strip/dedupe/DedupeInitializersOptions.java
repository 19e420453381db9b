package dev.onnxpress.passes.strip.dedupe;

import dev.onnxpress.passes.Param;

/** Options of {@code dedupe_initializers}. */
public record DedupeInitializersOptions(
        @Param(doc = "Also merge tensors held by Constant nodes (with each other and with initializers).",
                dflt = "true")
        boolean constant_nodes,
        @Param(doc = "Only merge tensors of at least this many bytes (0 merges every duplicate, scalars too).",
                dflt = "0", min = 0)
        long min_bytes) {
}
