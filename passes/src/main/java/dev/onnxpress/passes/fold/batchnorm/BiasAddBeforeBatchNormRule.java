package dev.onnxpress.passes.fold.batchnorm;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.fold.ScaleBiasFuser;
import dev.onnxpress.passes.rewrite.RuleMatch;

/**
 * An inference BatchNormalization reading a separate bias Add over a Conv, ConvTranspose or Gemm
 * (paddle2onnx writes ConvTranspose + Add + BN): fuses the Add into that node's bias, by the rule of
 * {@code fuse_scale_bias}, whenever that rule accepts the Add. The BN stays: offered next to
 * {@link FoldIntoProducerRule} in the same sweep, it then folds into the node the Add was fused into,
 * or, if that node's output has other readers, forward or not at all (the Add is fused either way).
 */
final class BiasAddBeforeBatchNormRule extends BatchNormRule<ScaleBiasFuser.Match> {
    private final ScaleBiasFuser fuser = new ScaleBiasFuser();

    BiasAddBeforeBatchNormRule(long opset) {
        super(opset);
    }

    @Override
    public RuleMatch<ScaleBiasFuser.Match> match(Node bn, Graph graph) {
        Node add = bn.input(0).producer().orElse(null);
        if (add == null || !add.is("Add") || !affine(bn).ok()) {
            return RuleMatch.none();
        }
        RuleMatch<ScaleBiasFuser.Match> m = fuser.match(add, add.graph());
        // a declined Add is fuse_scale_bias's to report, not this pass's: the BN's own rules say why it stays
        return m instanceof RuleMatch.Found<ScaleBiasFuser.Match> ? m : RuleMatch.none();
    }

    @Override
    public void rewrite(ScaleBiasFuser.Match m, Rewriter rw) {
        fuser.rewrite(m, rw);
    }
}
