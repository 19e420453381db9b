package dev.onnxpress.passes.fold.constants;

import dev.onnxpress.passes.Param;

/** Options of {@code fold_constants}. */
public record FoldConstantsOptions(
        @Param(doc = "A folded result larger than this many bytes, and larger than the node's inputs, is left as"
                + " a node: a small tensor never becomes a huge one, and compact encodings other passes write"
                + " (share_weights' uint8 indices → Gather, fp16 weights → Cast) are not expanded back into float"
                + " weights. Runtimes fold such nodes at load.", dflt = "4096", min = 0)
        long max_bytes) {
}
