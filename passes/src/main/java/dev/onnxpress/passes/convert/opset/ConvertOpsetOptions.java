package dev.onnxpress.passes.convert.opset;

import dev.onnxpress.passes.Param;

/** Options of {@code convert_opset}. */
public record ConvertOpsetOptions(
        @Param(doc = "Target default-domain opset, from 7 to the newest ONNX Runtime loads (26).", min = 7, max = 26)
        int target) {
}
