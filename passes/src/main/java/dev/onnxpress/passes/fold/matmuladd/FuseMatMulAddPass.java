package dev.onnxpress.passes.fold.matmuladd;

import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.analysis.StaticShapes;
import java.util.List;
import dev.onnxpress.passes.rewrite.RewriteDriver;
import dev.onnxpress.passes.rewrite.RewriteRule;

/**
 * {@code fuse_matmul_add}: a MatMul of a rank-2 input by a constant matrix followed by the Add of a
 * constant bias becomes one Gemm (what ONNX Runtime's basic MatMul+Add fusion does).
 *
 * <pre>
 *   x[M,K] → MatMul(·, W[K,N]) → Add(·, b[N]) → y   ⇒   x → Gemm(·, W, b) → y
 * </pre>
 * Conditions: x is known to have rank 2 (declared or inferred by {@link StaticShapes}; a rank-3 input
 * would make MatMul batched, which Gemm is not); W is a constant of rank 2; b is a constant that Gemm's
 * one-directional broadcasting extends to [M,N] without changing the Add's result shape: rank ≤ 2, last
 * dim 1 or N, first dim of a rank-2 b equal to 1 (or M when M is known); the MatMul output is read only
 * by the Add and is not a graph output; the element type is float, float16, double (or bfloat16 from
 * opset 13). Needs opset ≥ 7 (Gemm with broadcasting C). Gemm computes the same sum x·W + b, so the result
 * is identical up to the order of float additions.
 */
@PassSpec(id = FuseMatMulAddPass.ID,
        summary = "Fuse MatMul of a rank-2 input by a constant matrix plus a constant bias Add into Gemm.",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_fused", doc = "MatMul + Add pairs turned into one Gemm"),
                @Statistic(name = "nodes_removed", doc = "nodes removed (one per fusion)")})
public final class FuseMatMulAddPass implements Pass<FuseMatMulAddOptions> {
    public static final String ID = "fuse_matmul_add";

    @Override
    public PassResult run(Model model, FuseMatMulAddOptions options, PassContext ctx) {
        long opset = model.defaultOpset();
        // Gemm broadcasts C from opset 7: below it, no rule
        List<RewriteRule<?>> rules = opset < 7 ? List.of() : List.of(new MatMulAddRule(opset));
        return new RewriteDriver(rules).runAsPass(model, (outcome, out) -> {
            out.stat("nodes_fused", outcome.total());
            out.stat("nodes_removed", outcome.total());
        });
    }
}
