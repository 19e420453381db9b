package dev.onnxpress.passes.fold.batchnorm;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.passes.fold.AffineFolder;
import dev.onnxpress.passes.fold.AffineFolder.Found;
import dev.onnxpress.passes.fold.AffineFolder.Target;
import dev.onnxpress.passes.fold.ChannelAffine;
import dev.onnxpress.passes.rewrite.RuleMatch;
import java.util.List;

/**
 * Folds an inference BatchNormalization backward, into the Conv, ConvTranspose, Gemm or MatMul (with
 * or without a constant bias Add) producing its input: W'[o] = W[o]·s[o], b' = b·s + t (layouts in
 * {@link AffineFolder}). Matches when the producer's output feeds only the BN and is not a graph
 * output, its constants are floating point with as many output channels as the BN has, and, for
 * Gemm/MatMul, the BN input has rank 2 (BN's channel axis 1 is then MatMul's column axis).
 */
final class FoldIntoProducerRule extends BatchNormRule<FoldIntoProducerRule.Match> {
    record Match(Node bn, ChannelAffine affine, Target target) {
    }

    private final boolean reportsSkips;

    /** {@code reportsSkips}: whether a declined BN is reported here (false when a forward rule follows). */
    FoldIntoProducerRule(long opset, boolean reportsSkips) {
        super(opset);
        this.reportsSkips = reportsSkips;
    }

    @Override
    public RuleMatch<Match> match(Node bn, Graph graph) {
        Found<ChannelAffine> a = affine(bn);
        Found<Target> t = a.ok() ? check(bn, a.get()) : Found.no(a.reason());
        if (t.ok()) {
            return RuleMatch.of(new Match(bn, a.get(), t.get()));
        }
        return reportsSkips ? RuleMatch.skip(t.reason()) : RuleMatch.none();
    }

    @Override
    public void rewrite(Match m, Rewriter rw) {
        ConstantEditor ed = new ConstantEditor(rw);
        List<Value> params = List.copyOf(m.bn().inputs().subList(1, 5));
        Value result = AffineFolder.fold(m.target(), m.affine(), ed);
        ed.replaceNode(m.bn(), result, params);
    }

    /** The node {@code bn} (whose map is {@code a}) folds into, or why it does not; changes nothing. */
    static Found<Target> check(Node bn, ChannelAffine a) {
        Value x = bn.input(0);
        Found<Target> t = AffineFolder.targetProducing(x, bn);
        if (!t.ok()) {
            return t;
        }
        if (x.isGraphOutput()) {
            return Found.no("its input '" + x.name() + "' is a graph output");
        }
        if (!AffineFolder.onlyReadBy(x, bn)) {
            return Found.no("its input '" + x.name() + "' has other consumers");
        }
        Found<Integer> ch = AffineFolder.channels(t.get());
        if (!ch.ok()) {
            return Found.no(ch.reason());
        }
        if (ch.get() != a.channels()) {
            return Found.no(t.get().node().label() + " has " + ch.get() + " output channels, BN has " + a.channels());
        }
        if (!t.get().isConv()) {
            int rank = x.tensorType().flatMap(tt -> tt.rank())
                    .or(() -> t.get().node().input(0).tensorType().flatMap(tt -> tt.rank())).orElse(-1);
            if (!t.get().node().is("Gemm") && rank != 2) {
                return Found.no("rank of '" + x.name() + "' is " + (rank < 0 ? "unknown" : rank)
                        + ": BN normalizes axis 1, MatMul's columns are the last axis");
            }
        }
        return t;
    }
}
