package dev.onnxpress.passes.fold.constants;

import dev.onnxpress.passes.Param;

/** Options of {@code fold_constants}. */
public record FoldConstantsOptions(
        @Param(doc = "A folded result larger than this many bytes, and larger than the node's inputs, is left as"
                + " a node (a small tensor never becomes a huge one).", dflt = "1048576", min = 0)
        long max_bytes) {
}
