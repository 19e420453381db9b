package dev.onnxpress.passes.fold.matmuladd;

import dev.onnxpress.analysis.StaticShapes;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.rewrite.RewriteRule;
import dev.onnxpress.passes.rewrite.RuleMatch;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code MatMul(x, W) → Add(·, b)} ⇒ {@code Gemm(x, W, b)} (conditions: {@link FuseMatMulAddPass}). Static
 * shapes are inferred once per graph, and only for graphs that have a candidate.
 */
final class MatMulAddRule implements RewriteRule<MatMulAddRule.Match> {
    record Match(Node mm, Node add, Value bias) {
    }

    private final long opset;
    private final Map<Graph, StaticShapes> shapes = new IdentityHashMap<>();

    MatMulAddRule(long opset) {
        this.opset = opset;
    }

    @Override
    public Set<String> targetOps() {
        return Set.of("MatMul");
    }

    @Override
    public RuleMatch<Match> match(Node mm, Graph g) {
        if (mm.inputCount() != 2 || mm.output().uses().size() != 1 || mm.output().isGraphOutput()) {
            return RuleMatch.none();
        }
        Node add = mm.output().uses().get(0).node();
        if (!add.is("Add") || add.inputCount() != 2 || add.graph() != g || add.input(0) == add.input(1)) {
            return RuleMatch.none();
        }
        Value bias = add.input(0) == mm.output() ? add.input(1) : add.input(0);
        Optional<Tensor> wt = g.constantValue(mm.input(1));
        Optional<Tensor> bt = g.constantValue(bias);
        if (wt.isEmpty() || bt.isEmpty()) {
            return RuleMatch.skip("weight or bias is not a constant");
        }
        if (wt.get().rank() != 2) {
            return RuleMatch.skip("weight has rank " + wt.get().rank() + ", Gemm needs 2");
        }
        Optional<long[]> xd = shapes.computeIfAbsent(g, k -> StaticShapes.infer(k, opset)).dims(mm.input(0));
        if (xd.isEmpty() || xd.get().length != 2) {
            return RuleMatch.skip("input rank is not known to be 2");
        }
        DataType type = wt.get().dataType();
        boolean typeOk = type == DataType.FLOAT || type == DataType.FLOAT16 || type == DataType.DOUBLE
                || type == DataType.BFLOAT16 && opset >= 13;
        if (!typeOk || bt.get().dataType() != type) {
            return RuleMatch.skip("element type " + type.displayName() + " is not fused into Gemm");
        }
        long m = xd.get()[0];
        long n = wt.get().dim(1);
        long[] b = bt.get().dims();
        boolean bOk = b.length <= 2 && (b.length == 0 || b[b.length - 1] == 1 || b[b.length - 1] == n)
                && (b.length < 2 || b[0] == 1 || m >= 0 && b[0] == m);
        if (!bOk) {
            return RuleMatch.skip("bias shape " + java.util.Arrays.toString(b) + " does not broadcast to [M," + n + "]");
        }
        return RuleMatch.of(new Match(mm, add, bias));
    }

    @Override
    public void rewrite(Match match, Rewriter rw) {
        Node mm = match.mm();
        Node add = match.add();
        Value y = add.output();
        String name = y.name();
        Node gemm = rw.addNode(mm.graph(), "Gemm", "", mm.name().isEmpty() ? "Gemm" : mm.name(),
                List.of(mm.input(0), mm.input(1), match.bias()), 1,
                Map.of()); // Gemm's defaults (alpha = beta = 1, no transposes) are MatMul + Add
        Value r = gemm.output();
        y.type().ifPresent(t -> rw.setType(r, t));
        rw.replaceAllUses(y, r);
        rw.removeNode(add);
        rw.removeNode(mm);
        rw.rename(r, name); // the Add's output name, so graph outputs and later readers keep it
    }
}
