/*
 * strip_training_nodes: removes what only training needs.
 *
 *   before:  x ──Dropout(ratio=0.5)──▶ y (, mask unread) ──Relu──▶      after:  x ──Relu──▶
 *
 * - Dropout in inference mode becomes the identity: readers of its output read its data input instead.
 *   Inference mode by opset: 1–6 attribute is_test≠0 (the default 0 means training: skipped);
 *   7–11 always; 12+ input training_mode omitted or a constant false (ratio is then irrelevant;
 *   a non-constant or true training_mode is skipped). The mask output, a training-only output, goes
 *   with the node when nothing reads it; a read mask keeps the node (skipped with the reason).
 * - Graph output names never change: when the Dropout output is a graph output, its input takes the
 *   name if it is a plain node output of the same graph; otherwise the node stays (skipped).
 * - The model's TrainingInfo (training algorithm and its initializers) is dropped (option training_info).
 * Runs inside If/Loop/Scan bodies too. Exact: outputs are bit-identical.
 */
package dev.onnxpress.passes.strip.training;

import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.rewrite.RewriteDriver;
import java.util.List;

/** Removes inference-mode Dropout nodes and the model's training information. */
@PassSpec(id = "strip_training_nodes",
        summary = "Remove inference-mode Dropout (and its unread mask) and the model's training information",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_removed", doc = "inference-mode Dropout nodes removed"),
                @Statistic(name = "training_infos_removed",
                        doc = "training-information entries (training algorithms) dropped")})
public final class StripTrainingNodesPass implements Pass<StripTrainingNodesOptions> {
    @Override
    public PassResult run(Model model, StripTrainingNodesOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        PassResult.Builder result = PassResult.builder();
        RewriteDriver.Outcome outcome = new RewriteDriver(List.of(new DropoutRule(model.defaultOpset())))
                .apply(model, rw, result);
        int infos = options.training_info() ? model.trainingInfoCount() : 0;
        if (infos > 0) {
            rw.clearTrainingInfo();
        }
        result.add("nodes_removed", outcome.total());
        result.add("training_infos_removed", infos);
        return result.build(rw.changes() > 0);
    }
}
