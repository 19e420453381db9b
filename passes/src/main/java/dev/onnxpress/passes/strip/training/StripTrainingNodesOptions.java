package dev.onnxpress.passes.strip.training;

import dev.onnxpress.passes.Param;

/** Options of {@code strip_training_nodes}. */
public record StripTrainingNodesOptions(
        @Param(doc = "Also drop the model's training information (training algorithm graphs and their initializers).",
                dflt = "true")
        boolean training_info) {
}
