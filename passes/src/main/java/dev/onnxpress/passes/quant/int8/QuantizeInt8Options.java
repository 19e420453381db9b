package dev.onnxpress.passes.quant.int8;

import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.Param;
import dev.onnxpress.passes.quant.CalibrationMethod;
import java.util.Optional;

/** Options of {@code quantize_int8}. */
public record QuantizeInt8Options(
        @Param(doc = "Data set whose batches calibrate the activation ranges (and measure max_drop).")
        DataRef calibration,
        @Param(doc = "Activation ranges: minmax, percentile or entropy (KL threshold over a 2048-bin histogram).",
                dflt = "minmax")
        CalibrationMethod method,
        @Param(doc = "Percentile kept by method=percentile.", dflt = "99.99", min = 50, max = 100)
        double percentile,
        @Param(doc = "One weight scale per output channel (else one per layer).", dflt = "true")
        boolean per_channel,
        @Param(doc = "Activations as int8 symmetric (zero point 0) instead of uint8 asymmetric.", dflt = "false")
        boolean symmetric,
        @Param(doc = "Nodes to quantize (Conv, ConvTranspose, Gemm, MatMul, Add, pooling, Concat, reshapes).",
                dflt = "all")
        NodeSelector layers,
        @Param(doc = "Accuracy budget vs the float model on the calibration data (labels, else top-1 agreement);"
                + " the most sensitive layers stay float until it holds.", min = 0, max = 1)
        Optional<Double> max_drop) {
}
