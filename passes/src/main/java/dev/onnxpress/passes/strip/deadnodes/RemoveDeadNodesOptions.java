package dev.onnxpress.passes.strip.deadnodes;

import dev.onnxpress.passes.Param;

/** Options of {@code remove_dead_nodes}. */
public record RemoveDeadNodesOptions(
        @Param(doc = "Also remove unread nodes of custom (non-ONNX) domains, which may have side effects.",
                dflt = "false")
        boolean remove_custom) {
}
