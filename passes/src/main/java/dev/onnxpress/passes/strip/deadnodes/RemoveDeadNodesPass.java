/*
 * remove_dead_nodes: drops nodes whose outputs reach no graph output.
 *
 *   before:  x ──Relu──▶ y (output)            after:  x ──Relu──▶ y (output)
 *            x ──Sigmoid──▶ z (read by nobody)
 *
 * Liveness flows backwards from the graph outputs: a node is live when one of its outputs is live; a
 * live node makes its inputs live and, for If/Loop/Scan, its bodies' outputs, whose live nodes in turn
 * make the outer-scope values they read live. One reverse sweep over the topological order suffices,
 * since the order already counts subgraph reads as reads by the owner node. Nodes of custom domains are
 * kept (they may have side effects the standard domain never has) unless remove_custom=true. Dead nodes
 * inside live subgraphs go too. Graph inputs and initializers are left to remove_unused_initializers.
 * Exact: outputs are bit-identical.
 */
package dev.onnxpress.passes.strip.deadnodes;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** Removes nodes whose results no graph output depends on. */
@PassSpec(id = "remove_dead_nodes",
        summary = "Remove nodes whose outputs reach no graph output (in subgraphs too)",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_removed", doc = "nodes removed because no graph output depends on them")})
public final class RemoveDeadNodesPass implements Pass<RemoveDeadNodesOptions> {
    @Override
    public PassResult run(Model model, RemoveDeadNodesOptions options, PassContext ctx) {
        PassResult.Builder result = PassResult.builder();
        Set<Value> live = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Node> dead = new ArrayList<>();
        markLive(model.graph(), live, dead, options.remove_custom(), result);
        Rewriter rw = new Rewriter(model);
        // dead holds each graph's dead nodes in reverse topological order, so readers go before producers
        for (Node n : dead) {
            rw.removeNode(n);
        }
        result.add("nodes_removed", dead.size());
        return result.build(rw.changes() > 0);
    }

    private static void markLive(Graph g, Set<Value> live, List<Node> dead, boolean removeCustom,
            PassResult.Builder result) {
        live.addAll(g.outputs());
        List<Node> nodes = g.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            boolean used = n.outputs().stream().anyMatch(live::contains);
            if (!used && !n.isStandard()) {
                if (!removeCustom) {
                    result.skip(n.label(), "custom-domain op " + n.domain() + "." + n.opType()
                            + " may have side effects (remove_custom=false)");
                    used = true;
                }
            }
            if (!used) {
                dead.add(n);
                continue;
            }
            live.addAll(n.inputs());
            for (Graph sub : n.subgraphs()) {
                markLive(sub, live, dead, removeCustom, result);
            }
        }
    }
}
