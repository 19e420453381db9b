package dev.onnxpress.passes.convert.standard;

import dev.onnxpress.passes.Param;

/** Options of {@code strip_to_standard_ops}. */
public record StripToStandardOpsOptions(
        @Param(doc = "Accept ai.onnx.ml ops (standard ONNX-ML, but not every runtime has them).", dflt = "true")
        boolean allow_ml) {
}
