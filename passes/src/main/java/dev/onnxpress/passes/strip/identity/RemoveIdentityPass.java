/*
 * remove_identity: drops Identity nodes.
 *
 *   before:  x ──Identity──▶ y ──Conv──▶        after:  x ──Conv──▶
 *
 * Readers of y (in subgraphs too, including outer-scope reads and subgraph outputs naming y) read x.
 * Graph output names never change: when y is a graph output, x is renamed to y, which needs x to be a
 * plain node output of the same graph. When x is a graph input, an initializer, another graph output or
 * an outer-scope value, the Identity is what keeps both names and stays (skipped with the reason).
 * All opsets (Identity is unchanged in meaning since opset 1; 14+/16+ add sequence and optional types,
 * which pass through the same way). Exact: outputs are bit-identical.
 */
package dev.onnxpress.passes.strip.identity;

import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.rewrite.RewriteDriver;
import java.util.List;

/** Removes Identity nodes, keeping graph output names. */
@PassSpec(id = "remove_identity",
        summary = "Remove Identity nodes (graph output names are kept)",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_removed", doc = "Identity nodes removed")})
public final class RemoveIdentityPass implements Pass<RemoveIdentityOptions> {
    @Override
    public PassResult run(Model model, RemoveIdentityOptions options, PassContext ctx) {
        return new RewriteDriver(List.of(new IdentityRule()))
                .runAsPass(model, (outcome, result) -> result.add("nodes_removed", outcome.total()));
    }
}
