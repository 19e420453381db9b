package dev.onnxpress.analysis;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Structural invariants every model between two steps must keep, checked without mutating anything
 * (MLIR's verifier between passes). For each graph, subgraphs included:
 * <ul>
 *   <li>topological order: every node input is defined before the node (graph input, initializer, an
 *       earlier node's output, or a value of an enclosing graph);</li>
 *   <li>no dangling graph outputs: every graph output is defined in the graph (or an enclosing one);</li>
 *   <li>unique names: no two distinct values of one graph share a name.</li>
 * </ul>
 * Each problem is one sentence naming the node or value.
 */
public final class ModelChecker {
    private ModelChecker() {
    }

    public static List<String> problems(Model model) {
        List<String> out = new ArrayList<>();
        check(model.graph(), Collections.newSetFromMap(new IdentityHashMap<>()), out);
        return out;
    }

    private static void check(Graph g, Set<Value> outer, List<String> out) {
        Set<Value> defined = Collections.newSetFromMap(new IdentityHashMap<>());
        defined.addAll(outer);
        Map<String, Value> names = new HashMap<>();
        String where = g.parent().isEmpty() ? "graph '" + g.name() + "'"
                : "subgraph '" + g.name() + "' of node '" + g.ownerNode().map(Node::label).orElse("?") + "'";
        for (Value v : g.inputs()) {
            define(v, defined, names, where, out);
        }
        for (Value v : g.initializers().keySet()) {
            if (!defined.contains(v)) {
                define(v, defined, names, where, out);
            }
        }
        for (Value v : g.sparseInitializers()) {
            if (!defined.contains(v)) {
                define(v, defined, names, where, out);
            }
        }
        // nodes() sorts when the rewriter flagged a change; the order checked is the order written
        for (Node n : g.nodes()) {
            for (int i = 0; i < n.inputCount(); i++) {
                Value v = n.input(i);
                if (v.isNone() || defined.contains(v)) {
                    continue;
                }
                boolean later = v.producer().map(p -> p.graph() == g).orElse(false);
                out.add(where + ": node '" + n.label() + "' reads '" + v.name() + "' "
                        + (later ? "before the node that produces it" : "which nothing produces"));
            }
            for (Graph sub : n.subgraphs()) {
                check(sub, defined, out);
            }
            for (Value v : n.outputs()) {
                if (!v.isNone()) {
                    define(v, defined, names, where, out);
                }
            }
        }
        for (Value v : g.outputs()) {
            if (!defined.contains(v)) {
                out.add(where + ": output '" + v.name() + "' is not produced by anything");
            }
        }
    }

    private static void define(Value v, Set<Value> defined, Map<String, Value> names, String where, List<String> out) {
        defined.add(v);
        Value other = names.putIfAbsent(v.name(), v);
        if (other != null && other != v) {
            out.add(where + ": two values are named '" + v.name() + "'");
        }
    }
}
