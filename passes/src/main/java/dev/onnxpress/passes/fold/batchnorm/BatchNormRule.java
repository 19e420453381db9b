package dev.onnxpress.passes.fold.batchnorm;

import dev.onnxpress.ir.Node;
import dev.onnxpress.passes.fold.AffineFolder.Found;
import dev.onnxpress.passes.fold.ChannelAffine;
import dev.onnxpress.passes.rewrite.RewriteRule;
import java.util.Set;

/** A rule of {@code fold_batchnorm}: offered BatchNormalization nodes, read in the model's opset. */
abstract class BatchNormRule<M> implements RewriteRule<M> {
    private final long opset;

    BatchNormRule(long opset) {
        this.opset = opset;
    }

    @Override
    public final Set<String> targetOps() {
        return Set.of("BatchNormalization");
    }

    /** The BN's per-channel map, or why it is not an inference BN this pass can fold. */
    final Found<ChannelAffine> affine(Node bn) {
        return BatchNormAffine.read(bn, opset);
    }
}
