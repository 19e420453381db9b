package dev.onnxpress.passes.fold.batchnorm;

import static dev.onnxpress.passes.fold.FoldFixtures.assertClose;
import static dev.onnxpress.passes.fold.FoldFixtures.count;
import static dev.onnxpress.passes.fold.FoldFixtures.random;
import static dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPassTest.attrs;
import static dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPassTest.bnInputs;
import static dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPassTest.bnParams;
import static dev.onnxpress.passes.fold.batchnorm.FoldBatchNormPassTest.fold;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How fold_batchnorm's three rules combine: the order they are offered a BN in, and the fixed point. */
class FoldBatchNormRulesTest {

    /** ConvTranspose → Add(bias) → BN → Conv, the Add's output also read by a Relu. */
    static Model deconvAddSharedThenConv() {
        GraphBuilder b = GraphBuilder.model("deconv_add_fan").input("x", DataType.FLOAT, 1, 4, 4, 4)
                .initializer("w", random(5, 4, 3, 2, 2)).initializer("bias", random(6, 1, 3, 1, 1))
                .initializer("cw", random(33, 5, 3, 1, 1));
        return bnParams(b, "bn", 3, 90, DataType.FLOAT)
                .node("ConvTranspose", List.of("x", "w"), List.of("c"), attrs("strides", new long[] {2, 2}))
                .node("Add", List.of("c", "bias"), List.of("cb"))
                .node("Relu", List.of("cb"), List.of("r"))
                .node("BatchNormalization", bnInputs("cb", "bn"), List.of("n"))
                .node("Conv", List.of("n", "cw"), List.of("y")).output("y").output("r").build();
    }

    @Test
    void aBiasAddIsFusedFirstAndTheBatchNormThenFoldsForwardWhenItCannotFoldBackward() {
        Model m = deconvAddSharedThenConv();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = fold(m);
        // the ConvTranspose's output is read by the Relu too: BN cannot fold into it, so into the Conv
        assertThat(m.graph().opHistogram()).containsOnlyKeys("ConvTranspose", "Relu", "Conv");
        assertThat(r.statistics()).containsEntry("batchnorms_folded", 1L).containsEntry("nodes_removed", 2);
        assertThat(r.skips()).isEmpty();
        assertClose(before, m, 1e-5);
    }

    @Test
    void aChainOfBatchNormsBeforeAConvFoldsToAFixedPoint() {
        GraphBuilder b = GraphBuilder.model("bn_bn_conv").input("x", DataType.FLOAT, 1, 4, 5, 5)
                .initializer("w", random(3, 6, 4, 1, 1));
        bnParams(b, "b1", 4, 20, DataType.FLOAT);
        bnParams(b, "b2", 4, 30, DataType.FLOAT);
        Model m = b.node("BatchNormalization", bnInputs("x", "b1"), List.of("n1"))
                .node("BatchNormalization", bnInputs("n1", "b2"), List.of("n2"))
                .node("Conv", List.of("n2", "w"), List.of("y")).output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = fold(m);
        // the second BN folds into the Conv; then the first one feeds the Conv and folds too
        assertThat(count(m, "BatchNormalization")).isZero();
        assertThat(r.statistics()).containsEntry("batchnorms_folded", 2L);
        assertThat(fold(m).changed()).isFalse();
        assertClose(before, m, 1e-5);
    }
}
