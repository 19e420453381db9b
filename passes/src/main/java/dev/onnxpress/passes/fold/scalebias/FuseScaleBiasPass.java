package dev.onnxpress.passes.fold.scalebias;

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
import dev.onnxpress.passes.fold.AffineFolder;
import dev.onnxpress.passes.fold.AffineFolder.Found;
import dev.onnxpress.passes.fold.AffineFolder.Target;
import dev.onnxpress.passes.fold.ChannelAffine;
import dev.onnxpress.passes.fold.ConstantEditor;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
public final class FuseScaleBiasPass implements Pass<FuseScaleBiasOptions> {
    public static final String ID = "fuse_scale_bias";

    private static final PassInfo INFO = new PassInfo(ID,
            "Fold Mul/Add by per-channel constants after Conv/Gemm into their weights and bias.",
            Set.of(PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT),
            List.of("nodes_fused", "nodes_removed"));

    @Override
    public PassInfo info() {
        return INFO;
    }

    @Override
    public Class<FuseScaleBiasOptions> optionsType() {
        return FuseScaleBiasOptions.class;
    }

    @Override
    public PassResult run(Model model, FuseScaleBiasOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        ConstantEditor ed = new ConstantEditor(rw);
        PassResult.Builder out = PassResult.builder();
        long fused = 0;
        for (Graph g : model.graph().allGraphs()) {
            for (Node n : g.nodes()) {
                if (!(n.is("Mul") || n.is("Add")) || n.inputs().size() != 2) {
                    continue;
                }
                int ci = g.isConstant(n.input(1)) ? 1 : g.isConstant(n.input(0)) ? 0 : -1;
                if (ci < 0) {
                    continue;
                }
                Value x = n.input(1 - ci);
                Node p = x.producer().orElse(null);
                if (p == null || !(p.is("Conv") || p.is("ConvTranspose") || p.is("Gemm")
                        || (p.is("MatMul") && n.is("Mul")))) {
                    continue;
                }
                Optional<String> why = fuse(n, ci, new Target(p, Optional.empty()), ed);
                if (why.isEmpty()) {
                    fused++;
                } else {
                    out.skip(n.label(), why.get());
                }
            }
        }
        out.stat("nodes_fused", fused);
        out.stat("nodes_removed", fused);
        return out.build(rw.changes() > 0);
    }

    private static Optional<String> fuse(Node n, int ci, Target t, ConstantEditor ed) {
        Graph g = n.graph();
        Value x = n.input(1 - ci);
        Value cv = n.input(ci);
        if (t.node().graph() != g) {
            return Optional.of("its input '" + x.name() + "' comes from an enclosing graph");
        }
        if (x.isGraphOutput()) {
            return Optional.of("'" + x.name() + "' is a graph output");
        }
        if (!AffineFolder.onlyReadBy(x, n)) {
            return Optional.of("'" + x.name() + "' has other consumers");
        }
        Tensor c = g.constantValue(cv).orElseThrow();
        if (!AffineFolder.isReal(c.dataType())) {
            return Optional.of("constant '" + cv.name() + "' is not floating point");
        }
        Found<Integer> ch = AffineFolder.channels(t);
        if (!ch.ok()) {
            return Optional.of(ch.reason());
        }
        int channels = ch.get();
        int rank;
        int axis;
        if (t.isConv()) {
            rank = g.constantValue(t.node().input(1)).orElseThrow().rank();
            axis = 1;
        } else if (t.node().is("Gemm")) {
            rank = 2;
            axis = 1;
        } else {
            rank = x.tensorType().flatMap(tt -> tt.rank()).orElse(c.rank() <= 1 ? 1 : -1);
            axis = rank - 1;
            if (rank < 0) {
                return Optional.of("rank of '" + x.name() + "' is unknown");
            }
        }
        long[] d = c.dims();
        if (d.length > rank) {
            return Optional.of("constant '" + cv.name() + "' has rank " + d.length + ", more than the output's " + rank);
        }
        for (int j = 0; j < d.length; j++) {
            int ax = rank - d.length + j;
            boolean ok = d[j] == 1 || (ax == axis && d[j] == channels);
            if (!ok) {
                return Optional.of("constant '" + cv.name() + "' of shape " + java.util.Arrays.toString(d)
                        + " is not per output channel");
            }
        }
        double[] v = ChannelAffine.spread(c.toDoubleArray(), channels);
        double[] ones = new double[channels];
        java.util.Arrays.fill(ones, 1.0);
        ChannelAffine a = n.is("Mul") ? new ChannelAffine(v, new double[channels]) : new ChannelAffine(ones, v);
        Value result = AffineFolder.fold(t, a, ed);
        ed.replaceNode(n, result, List.of(cv));
        return Optional.empty();
    }
}
