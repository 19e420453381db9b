package dev.onnxpress.passes.fold;

import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.fold.AffineFolder.Found;
import dev.onnxpress.passes.fold.AffineFolder.Target;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.rewrite.RewriteRule;
import dev.onnxpress.passes.rewrite.RuleMatch;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Folds a Mul or Add by a per-output-channel constant into the Conv, ConvTranspose or Gemm (or, for
 * Mul, MatMul) producing its other operand: the rewrite rule of {@code fuse_scale_bias}, also used by
 * {@code fold_batchnorm} to absorb a bias Add between a ConvTranspose and its BN.
 */
public final class ScaleBiasFuser implements RewriteRule<ScaleBiasFuser.Match> {
    /** A Mul/Add {@code node} by constant {@code c} (input {@code cv}) over {@code channels} of {@code target}. */
    public record Match(Node node, Target target, Value cv, Tensor c, int channels) {
    }

    @Override
    public Set<String> targetOps() {
        return Set.of("Mul", "Add");
    }

    @Override
    public RuleMatch<Match> match(Node node, Graph graph) {
        if (!applies(node)) {
            return RuleMatch.none();
        }
        Found<Match> m = check(node);
        return m.ok() ? RuleMatch.of(m.get()) : RuleMatch.skip(m.reason());
    }

    @Override
    public void rewrite(Match m, Rewriter rw) {
        apply(m, new ConstantEditor(rw));
    }

    /** Is {@code n} a Mul/Add of a constant and the output of a linear node? */
    private static boolean applies(Node n) {
        if (!(n.is("Mul") || n.is("Add")) || n.inputs().size() != 2) {
            return false;
        }
        int ci = constantSide(n);
        if (ci < 0) {
            return false;
        }
        Node p = n.input(1 - ci).producer().orElse(null);
        return p != null && (p.is("Conv") || p.is("ConvTranspose") || p.is("Gemm") || (p.is("MatMul") && n.is("Mul")));
    }

    private static int constantSide(Node n) {
        return ConstantEditor.valueOf(n.input(1)).isPresent() ? 1
                : ConstantEditor.valueOf(n.input(0)).isPresent() ? 0 : -1;
    }

    /** Whether {@code n} (which {@link #applies}) can fold into its producer, and what with; changes nothing. */
    private static Found<Match> check(Node n) {
        int ci = constantSide(n);
        Target t = new Target(n.input(1 - ci).producer().orElseThrow(), Optional.empty());
        Graph g = n.graph();
        Value x = n.input(1 - ci);
        Value cv = n.input(ci);
        if (t.node().graph() != g) {
            return Found.no("its input '" + x.name() + "' comes from an enclosing graph");
        }
        if (x.isGraphOutput()) {
            return Found.no("'" + x.name() + "' is a graph output");
        }
        if (!AffineFolder.onlyReadBy(x, n)) {
            return Found.no("'" + x.name() + "' has other consumers");
        }
        Tensor c = ConstantEditor.valueOf(cv).orElseThrow();
        if (!AffineFolder.isReal(c.dataType())) {
            return Found.no("constant '" + cv.name() + "' is not floating point");
        }
        Found<Integer> ch = AffineFolder.channels(t);
        if (!ch.ok()) {
            return Found.no(ch.reason());
        }
        int channels = ch.get();
        int rank;
        int axis;
        if (t.isConv()) {
            rank = ConstantEditor.valueOf(t.node().input(1)).orElseThrow().rank();
            axis = 1;
        } else if (t.node().is("Gemm")) {
            rank = 2;
            axis = 1;
        } else {
            rank = x.tensorType().flatMap(tt -> tt.rank()).orElse(c.rank() <= 1 ? 1 : -1);
            axis = rank - 1;
            if (rank < 0) {
                return Found.no("rank of '" + x.name() + "' is unknown");
            }
        }
        long[] d = c.dims();
        if (d.length > rank) {
            return Found.no("constant '" + cv.name() + "' has rank " + d.length + ", more than the output's " + rank);
        }
        for (int j = 0; j < d.length; j++) {
            int ax = rank - d.length + j;
            boolean ok = d[j] == 1 || (ax == axis && d[j] == channels);
            if (!ok) {
                return Found.no("constant '" + cv.name() + "' of shape " + java.util.Arrays.toString(d)
                        + " is not per output channel");
            }
        }
        return Found.of(new Match(n, t, cv, c, channels));
    }

    private static void apply(Match m, ConstantEditor ed) {
        int channels = m.channels();
        double[] v = ChannelAffine.spread(m.c().toDoubleArray(), channels);
        double[] ones = new double[channels];
        java.util.Arrays.fill(ones, 1.0);
        ChannelAffine a = m.node().is("Mul") ? new ChannelAffine(v, new double[channels]) : new ChannelAffine(ones, v);
        Value result = AffineFolder.fold(m.target(), a, ed);
        ed.replaceNode(m.node(), result, List.of(m.cv()));
    }
}
