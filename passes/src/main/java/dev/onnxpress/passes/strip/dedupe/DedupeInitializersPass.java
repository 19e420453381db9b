/*
 * dedupe_initializers: keeps one copy of tensors that are equal.
 *
 *   before:  w1 = [1,2,3] (initializer)   w2 = [1,2,3] (Constant node)   a = Add(x, w1)   b = Mul(a, w2)
 *   after:   w1 = [1,2,3]                                                  a = Add(x, w1)   b = Mul(a, w1)
 *
 * Candidates are initializers and (option constant_nodes) Constant-node outputs with the same data
 * type, the same dims and the same bytes (SHA-256 over type, dims and data, then a byte comparison).
 * The first candidate in graph order stays; a duplicate is replaced only by a copy visible from its
 * graph (the same graph or an enclosing one), so subgraph tensors may fold into outer ones but never
 * the reverse. Never merged: initializers listed as graph inputs (a caller may override them) and
 * values that are graph outputs (their names are interface). Exact: outputs are bit-identical.
 */
package dev.onnxpress.passes.strip.dedupe;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Merges initializers and Constant-node tensors with identical type, shape and bytes. */
@PassSpec(id = "dedupe_initializers",
        summary = "Merge initializers and Constant-node tensors with the same type, shape and bytes",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "tensors_merged", doc = "tensors replaced by an identical one"),
                @Statistic(name = "initializers_removed", doc = "duplicate initializers removed"),
                @Statistic(name = "nodes_removed", doc = "duplicate Constant nodes removed"),
                @Statistic(name = "bytes_saved", doc = "bytes of the removed duplicates")})
public final class DedupeInitializersPass implements Pass<DedupeInitializersOptions> {
    /** A tensor that may be merged: its value, the tensor, and the Constant node holding it if any. */
    private record Candidate(Value value, Tensor tensor, Optional<Node> constantNode) {
    }

    @Override
    public PassResult run(Model model, DedupeInitializersOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        PassResult.Builder result = PassResult.builder();
        Set<Value> outputs = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Graph g : model.graph().allGraphs()) {
            outputs.addAll(g.outputs());
        }
        Map<String, List<Candidate>> kept = new HashMap<>();
        long merged = 0;
        long initializers = 0;
        long nodes = 0;
        long bytes = 0;
        // allGraphs lists enclosing graphs before nested ones, so the kept copy is the outermost
        for (Graph g : model.graph().allGraphs()) {
            for (Candidate c : candidates(g, options, outputs)) {
                String key = c.tensor().contentDigest();
                Optional<Candidate> same = visibleEqual(kept.getOrDefault(key, List.of()), c, g);
                if (same.isEmpty()) {
                    kept.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
                    continue;
                }
                rw.replaceAllUses(c.value(), same.get().value());
                if (c.constantNode().isPresent()) {
                    rw.removeNode(c.constantNode().get());
                    nodes++;
                } else {
                    rw.removeInitializer(c.value());
                    initializers++;
                }
                merged++;
                bytes += c.tensor().byteSize();
            }
        }
        result.add("tensors_merged", merged);
        result.add("initializers_removed", initializers);
        result.add("nodes_removed", nodes);
        result.add("bytes_saved", bytes);
        return result.build(rw.changes() > 0);
    }

    private static List<Candidate> candidates(Graph g, DedupeInitializersOptions options, Set<Value> outputs) {
        List<Candidate> out = new ArrayList<>();
        for (Map.Entry<Value, Tensor> e : g.initializers().entrySet()) {
            Value v = e.getKey();
            if (!v.isGraphInput() && !outputs.contains(v) && e.getValue().byteSize() >= options.min_bytes()) {
                out.add(new Candidate(v, e.getValue(), Optional.empty()));
            }
        }
        if (options.constant_nodes()) {
            for (Node n : g.nodes()) {
                if (!n.is("Constant") || n.outputs().size() != 1 || outputs.contains(n.output())) {
                    continue;
                }
                Optional<Tensor> t = g.constantValue(n.output());
                if (t.isPresent() && t.get().byteSize() >= options.min_bytes()) {
                    out.add(new Candidate(n.output(), t.get(), Optional.of(n)));
                }
            }
        }
        return out;
    }

    /** A kept candidate equal to {@code c} and visible from graph {@code g}. */
    private static Optional<Candidate> visibleEqual(List<Candidate> kept, Candidate c, Graph g) {
        for (Candidate k : kept) {
            if (isVisibleFrom(k.value().graph(), g) && k.tensor().contentEquals(c.tensor())) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    private static boolean isVisibleFrom(Graph owner, Graph g) {
        for (Graph cur = g; cur != null; cur = cur.parent().orElse(null)) {
            if (cur == owner) {
                return true;
            }
        }
        return false;
    }
}
