package dev.onnxpress.passes.quant.binary;

import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;
import java.util.Optional;

/** Options of {@code quantize_binary}. */
public record QuantizeBinaryOptions(
        @Param(doc = "Layers (Conv, ConvTranspose, Gemm, MatMul with a constant weight) to quantize.", dflt = "all")
        NodeSelector layers,
        @Param(doc = "One α per output channel (else one per layer).", dflt = "true")
        boolean per_channel,
        @Param(doc = "Choose α by least squares on the calibration data's layer outputs.", dflt = "false")
        boolean refit_scale,
        @Param(doc = "Data set for refit_scale.")
        Optional<DataRef> calibration,
        @Param(doc = "Keep the first and the last weighted layer in float, as the XNOR-Net paper does.", dflt = "true")
        boolean keep_first_last) {
}
