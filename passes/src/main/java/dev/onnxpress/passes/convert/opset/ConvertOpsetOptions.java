package dev.onnxpress.passes.convert.opset;

import dev.onnxpress.passes.Param;

/** Options of {@code convert_opset}. */
public record ConvertOpsetOptions(
        @Param(doc = "Target default-domain opset, from " + OpsetVersions.OLDEST + " to the newest ONNX Runtime loads ("
                + OpsetVersions.NEWEST + ").", min = OpsetVersions.OLDEST, max = OpsetVersions.NEWEST)
        int target) {
}
