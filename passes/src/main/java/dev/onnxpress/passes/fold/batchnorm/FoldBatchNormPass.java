package dev.onnxpress.passes.fold.batchnorm;

import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.fold.AffineFolder;
import dev.onnxpress.passes.rewrite.RewriteDriver;
import dev.onnxpress.passes.rewrite.RewriteRule;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code fold_batchnorm}: removes inference-form BatchNormalization nodes by folding them into the
 * weights and bias of a neighbouring linear node.
 *
 * <pre>
 *   after a node:   X → Conv|ConvTranspose|Gemm|MatMul(+Add) → BN → Y   ⇒   X → Conv' … → Y
 *   before a Conv:  X → BN → Conv → Y                                   ⇒   X → Conv' → Y
 * </pre>
 * BN is y = x·s + t per channel (axis 1) with s = γ/√(var+ε), t = β − mean·s (see
 * {@link BatchNormAffine} for the opset 1–15+ attribute rules).
 * <ul>
 *   <li>After: W'[o] = W[o]·s[o], b' = b·s + t, per output channel ({@link AffineFolder} has the layouts
 *       of each target). The producer's output must feed only the BN and not be a graph output. For
 *       Gemm/MatMul the BN input must be rank 2, so that BN's channel axis is the output's column axis.</li>
 *   <li>Before a Conv: W'[o,c,…] = W[o,c,…]·s[c], b'[o] = b[o] + Σ_{c,k} W[o,c,k]·t[c]. Exact only if the
 *       Conv pads nothing, or the shift t is zero (zero padding of x·s is s times zero padding of x).</li>
 * </ul>
 * Weights may be initializers or Constant nodes; a weight another node also reads is copied, never
 * changed in place. Computed in double, stored in the weight's own type (float, float16, double).
 * Three rules on the {@link RewriteDriver}, each deciding in its match before changing anything:
 * {@link BiasAddBeforeBatchNormRule} (a separate bias Add between the node and its BN, fused first),
 * {@link FoldIntoProducerRule} (after a node), {@link FoldIntoNextConvRule} (before a Conv).
 */
@PassSpec(id = FoldBatchNormPass.ID,
        summary = "Fold inference BatchNormalization into the adjacent Conv, ConvTranspose, Gemm or MatMul.",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "batchnorms_folded", doc = "BatchNormalization nodes folded into an adjacent layer"),
                @Statistic(name = "nodes_removed", doc = "nodes fewer in the graph than before")})
public final class FoldBatchNormPass implements Pass<FoldBatchNormOptions> {
    public static final String ID = "fold_batchnorm";

    @Override
    public PassResult run(Model model, FoldBatchNormOptions options, PassContext ctx) {
        int before = model.graph().allNodes().size();
        return new RewriteDriver(rules(model.defaultOpset(), options.into_next())).runAsPass(model, (o, out) -> {
            out.stat("batchnorms_folded", o.of(BACKWARD) + o.of(FORWARD));
            out.stat("nodes_removed", before - model.graph().allNodes().size());
        });
    }

    private static final String BACKWARD = "FoldIntoProducerRule";
    private static final String FORWARD = "FoldIntoNextConvRule";

    /**
     * The rules, in the order each BN is offered to them: a bias Add before the BN is fused first, then
     * the BN folds backward, else (with {@code into_next}) forward; the last rule reports a BN that stays.
     */
    static List<RewriteRule<?>> rules(long opset, boolean intoNext) {
        List<RewriteRule<?>> rules = new ArrayList<>();
        rules.add(new BiasAddBeforeBatchNormRule(opset));
        rules.add(new FoldIntoProducerRule(opset, !intoNext));
        if (intoNext) {
            rules.add(new FoldIntoNextConvRule(opset));
        }
        return rules;
    }
}
