package dev.onnxpress.passes.fold.scalebias;

import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.fold.ScaleBiasFuser;
import dev.onnxpress.passes.rewrite.RewriteDriver;
import java.util.List;

/**
 * {@code fuse_scale_bias}: folds a Mul or Add by a per-output-channel constant into the Conv,
 * ConvTranspose or Gemm (or, for Mul, MatMul) that produces its other operand.
 *
 * <pre>
 *   X → Conv(W, b) → Mul(·, s) → Y   ⇒   X → Conv(W·s, b·s) → Y
 *   X → Conv(W, b) → Add(·, t) → Y   ⇒   X → Conv(W, b + t) → Y
 * </pre>
 * The constant must not broadcast the output to a larger shape and must vary only along the channel
 * axis (axis 1 for Conv/ConvTranspose/Gemm, the last axis for MatMul): after aligning its dims to the
 * output rank from the right, every dim is 1 except the channel dim, which is 1 or C. So s of shape
 * [], [1], [C,1,1], [1,C,1,1] folds into a 2-D Conv; [C] does not (it would scale the last spatial
 * axis). The producer's output must feed only the Mul/Add and not be a graph output. Opset-independent.
 */
@PassSpec(id = FuseScaleBiasPass.ID,
        summary = "Fold Mul/Add by per-channel constants after Conv/Gemm into their weights and bias.",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_fused",
                        doc = "Mul/Add nodes folded into the weights and bias of the Conv/Gemm before them"),
                @Statistic(name = "nodes_removed", doc = "nodes removed (one per fused Mul/Add)")})
public final class FuseScaleBiasPass implements Pass<FuseScaleBiasOptions> {
    public static final String ID = "fuse_scale_bias";

    @Override
    public PassResult run(Model model, FuseScaleBiasOptions options, PassContext ctx) {
        return new RewriteDriver(List.of(new ScaleBiasFuser())).runAsPass(model, (outcome, out) -> {
            out.stat("nodes_fused", outcome.total());
            out.stat("nodes_removed", outcome.total());
        });
    }
}
