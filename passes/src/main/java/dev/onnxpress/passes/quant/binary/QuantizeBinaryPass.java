package dev.onnxpress.passes.quant.binary;

import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.quant.LowBitScheme;
import dev.onnxpress.passes.quant.LowBitWeights;

/**
 * {@code quantize_binary}: binary weights (BWN / XNOR-Net weights, Rastegari et al. 2016) without retraining.
 *
 * <pre>
 *   X → Conv(W float) → Y    ⇒    X → Conv(DequantizeLinear(Q int8 ∈ {−1,1}, α[Cout] float, 0 int8, axis)) → Y
 * </pre>
 * Per output channel: Q = sign(w) (0 → +1), α = mean|w| (the α minimising ||w − α·Q||²); with
 * {@code refit_scale} α is refitted on calibration activations. Axis, opset (raised to 13 when safe),
 * float32-only and main-graph-only rules as in {@code quantize_ternary}.
 */
@PassSpec(id = QuantizeBinaryPass.ID,
        summary = "Binary weights ±α per output channel (BWN/XNOR), stored as int8 + DequantizeLinear.",
        traits = {PassInfo.Trait.LOSSY, PassInfo.Trait.SHRINKS},
        statistics = {
                @Statistic(name = "layers_quantized", doc = "layers whose weights became binary"),
                @Statistic(name = "weights_quantized", doc = "weights quantized"),
                @Statistic(name = "bytes_saved", doc = "weight bytes saved (int8 storage instead of float)")})
public final class QuantizeBinaryPass implements Pass<QuantizeBinaryOptions> {
    public static final String ID = "quantize_binary";

    @Override
    public PassResult run(Model model, QuantizeBinaryOptions o, PassContext ctx) {
        return LowBitWeights.run(model, new LowBitWeights.Settings(ID, new LowBitScheme.Binary(), o.layers(),
                o.per_channel(), o.refit_scale(), o.calibration(), o.keep_first_last()), ctx);
    }
}
