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
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.rewrite.RewriteDriver;
import java.util.List;
import java.util.Set;

/** Removes Identity nodes, keeping graph output names. */
public final class RemoveIdentityPass implements Pass<RemoveIdentityOptions> {
    private static final PassInfo INFO = new PassInfo("remove_identity",
            "Remove Identity nodes (graph output names are kept)",
            Set.of(PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT),
            List.of("nodes_removed"));

    @Override
    public PassInfo info() {
        return INFO;
    }

    @Override
    public Class<RemoveIdentityOptions> optionsType() {
        return RemoveIdentityOptions.class;
    }

    @Override
    public PassResult run(Model model, RemoveIdentityOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        PassResult.Builder result = PassResult.builder();
        RewriteDriver.Outcome outcome = new RewriteDriver(List.of(new IdentityRule())).apply(model, rw, result);
        result.add("nodes_removed", outcome.total());
        return result.build(rw.changes() > 0);
    }
}
