package dev.onnxpress.passes.fold.matmuladd;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.analysis.StaticShapes;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
        Rewriter rw = new Rewriter(model);
        PassResult.Builder out = PassResult.builder();
        long opset = model.defaultOpset();
        long fused = 0;
        if (opset >= 7) {
            for (Graph g : model.graph().allGraphs()) {
                StaticShapes shapes = null;
                for (Node mm : g.nodes()) {
                    if (!mm.is("MatMul") || mm.inputCount() != 2 || mm.output().uses().size() != 1
                            || mm.output().isGraphOutput()) {
                        continue;
                    }
                    Node add = mm.output().uses().get(0).node();
                    if (!add.is("Add") || add.inputCount() != 2 || add.graph() != g || add.input(0) == add.input(1)) {
                        continue;
                    }
                    if (shapes == null) {
                        shapes = StaticShapes.infer(g, opset); // only for graphs that have a candidate
                    }
                    Optional<String> why = fuse(mm, add, shapes, opset, rw);
                    if (why.isEmpty()) {
                        fused++;
                    } else {
                        out.skip(mm.label(), why.get());
                    }
                }
            }
        }
        out.stat("nodes_fused", fused);
        out.stat("nodes_removed", fused);
        return out.build(rw.changes() > 0);
    }

    private static Optional<String> fuse(Node mm, Node add, StaticShapes shapes, long opset, Rewriter rw) {
        Graph g = mm.graph();
        Value x = mm.input(0);
        Value w = mm.input(1);
        Value bias = add.input(0) == mm.output() ? add.input(1) : add.input(0);
        Optional<Tensor> wt = g.constantValue(w);
        Optional<Tensor> bt = g.constantValue(bias);
        if (wt.isEmpty() || bt.isEmpty()) {
            return Optional.of("weight or bias is not a constant");
        }
        if (wt.get().rank() != 2) {
            return Optional.of("weight has rank " + wt.get().rank() + ", Gemm needs 2");
        }
        Optional<long[]> xd = shapes.dims(x);
        if (xd.isEmpty() || xd.get().length != 2) {
            return Optional.of("input rank is not known to be 2");
        }
        DataType type = wt.get().dataType();
        boolean typeOk = type == DataType.FLOAT || type == DataType.FLOAT16 || type == DataType.DOUBLE
                || type == DataType.BFLOAT16 && opset >= 13;
        if (!typeOk || bt.get().dataType() != type) {
            return Optional.of("element type " + type.displayName() + " is not fused into Gemm");
        }
        long m = xd.get()[0];
        long n = wt.get().dim(1);
        long[] b = bt.get().dims();
        boolean bOk = b.length <= 2 && (b.length == 0 || b[b.length - 1] == 1 || b[b.length - 1] == n)
                && (b.length < 2 || b[0] == 1 || m >= 0 && b[0] == m);
        if (!bOk) {
            return Optional.of("bias shape " + java.util.Arrays.toString(b) + " does not broadcast to [M," + n + "]");
        }
        Value y = add.output();
        String name = y.name();
        Node gemm = rw.addNode(g, "Gemm", "", mm.name().isEmpty() ? "Gemm" : mm.name(), List.of(x, w, bias), 1,
                Map.of()); // Gemm's defaults (alpha = beta = 1, no transposes) are MatMul + Add
        Value r = gemm.output();
        y.type().ifPresent(t -> rw.setType(r, t));
        rw.replaceAllUses(y, r);
        rw.removeNode(add);
        rw.removeNode(mm);
        rw.rename(r, name); // the Add's output name, so graph outputs and later readers keep it
        return Optional.empty();
    }
}
