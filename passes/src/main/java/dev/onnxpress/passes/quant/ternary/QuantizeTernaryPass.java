package dev.onnxpress.passes.quant.ternary;

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
 * {@code quantize_ternary}: ternary weight networks (TWN, Li &amp; Liu 2016) without retraining.
 *
 * <pre>
 *   X → Conv(W float) → Y    ⇒    X → Conv(DequantizeLinear(Q int8 ∈ {−1,0,1}, α[Cout] float, 0 int8, axis)) → Y
 * </pre>
 * Per output channel: Δ = threshold·mean|w|, Q = sign(w)·[|w| &gt; Δ], α = mean of |w| over |w| &gt; Δ
 * (the α minimising ||w − α·Q||²); with {@code refit_scale} α is refitted on calibration activations
 * ({@link dev.onnxpress.passes.quant.ScaleRefit}). The channel axis is the weight's output axis: 0 for
 * Conv, 1 for ConvTranspose, 1 for Gemm with transB=0 and MatMul, 0 for Gemm with transB=1.
 * Per-axis DequantizeLinear exists from opset 13: an older model is raised to 13 when every operator in
 * it means the same there (noted), else nothing changes and each layer records why. Float32 weights
 * only; the float weight is deleted when no other node reads it. Main graph only.
 */
@PassSpec(id = QuantizeTernaryPass.ID,
        summary = "Ternary weights {-α, 0, +α} per output channel (TWN), stored as int8 + DequantizeLinear.",
        traits = {PassInfo.Trait.LOSSY, PassInfo.Trait.SHRINKS},
        statistics = {
                @Statistic(name = "layers_quantized", doc = "layers whose weights became ternary"),
                @Statistic(name = "weights_quantized", doc = "weights quantized"),
                @Statistic(name = "bytes_saved", doc = "weight bytes saved (int8 storage instead of float)")})
public final class QuantizeTernaryPass implements Pass<QuantizeTernaryOptions> {
    public static final String ID = "quantize_ternary";

    @Override
    public PassResult run(Model model, QuantizeTernaryOptions o, PassContext ctx) {
        return LowBitWeights.run(model, new LowBitWeights.Settings(ID, new LowBitScheme.Ternary(o.threshold()),
                o.layers(), o.per_channel(), o.refit_scale(), o.calibration(), o.keep_first_last()), ctx);
    }
}
