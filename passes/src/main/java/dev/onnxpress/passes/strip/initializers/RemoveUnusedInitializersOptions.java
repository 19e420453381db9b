package dev.onnxpress.passes.strip.initializers;

import dev.onnxpress.passes.Param;

/** Options of {@code remove_unused_initializers}. */
public record RemoveUnusedInitializersOptions(
        @Param(doc = "Keep initializers listed as graph inputs listed (callers may override them); when false "
                + "they stop being inputs wherever the IR version (4+) allows it.", dflt = "false")
        boolean keep_inputs) {
}
