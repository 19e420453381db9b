package dev.onnxpress.passes.fold.cse;

import dev.onnxpress.ir.Attr;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code eliminate_common_subexpressions}: a node that computes exactly what an earlier node computes
 * (same op, domain, attributes and the very same input values) is removed and its readers read the
 * earlier node's outputs (ONNX Runtime's basic common-subexpression elimination).
 *
 * <pre>
 *   y1 = Slice(x, s, e, a, k);  y2 = Slice(x, s, e, a, k)   ⇒   y1 = Slice(x, s, e, a, k); readers of y2 read y1
 * </pre>
 * Not merged: nodes with subgraphs or tensor/graph-valued attributes, random ops (each draws anew),
 * nodes whose outputs are graph outputs (their names are the model's interface). Repeats until no node
 * merges (a merge makes the readers' inputs equal too). Opset-independent.
 */
@PassSpec(id = EliminateCommonSubexpressionsPass.ID,
        summary = "Merge nodes that compute the same op with the same attributes on the same inputs.",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_removed", doc = "duplicate nodes removed (their readers read the kept one)")})
public final class EliminateCommonSubexpressionsPass implements Pass<EliminateCommonSubexpressionsOptions> {
    public static final String ID = "eliminate_common_subexpressions";

    private static final Set<String> RANDOM = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
            "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout");

    private record Key(String opType, String domain, int outputs, AttrValues attrs, List<Value> inputs) {
    }

    /**
     * Attributes compared by value without printing them: name-sorted, floats by their bits (as
     * {@link Arrays#equals(float[], float[])} does), strings by their bytes. Only the kinds
     * {@link #key} accepts.
     */
    private static final class AttrValues {
        private final String[] names;
        private final Attr[] values;
        private final int hash;

        AttrValues(TreeMap<String, Attr> attrs) {
            names = attrs.keySet().toArray(new String[0]);
            values = attrs.values().toArray(new Attr[0]);
            int h = 1;
            for (int k = 0; k < names.length; k++) {
                h = 31 * (31 * h + names[k].hashCode()) + valueHash(values[k]);
            }
            hash = h;
        }

        private static int valueHash(Attr a) {
            Object p = a.payload();
            return 31 * a.kind().hashCode() + switch (a.kind()) {
                case FLOATS -> Arrays.hashCode((float[]) p);
                case INTS -> Arrays.hashCode((long[]) p);
                case STRING -> Arrays.hashCode((byte[]) p);
                default -> p.hashCode(); // FLOAT, INT: boxed Float (by bits) and Long
            };
        }

        private static boolean sameValue(Attr a, Attr b) {
            if (a.kind() != b.kind()) {
                return false;
            }
            Object p = a.payload();
            Object q = b.payload();
            return switch (a.kind()) {
                case FLOATS -> Arrays.equals((float[]) p, (float[]) q);
                case INTS -> Arrays.equals((long[]) p, (long[]) q);
                case STRING -> Arrays.equals((byte[]) p, (byte[]) q);
                default -> p.equals(q);
            };
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof AttrValues other) || other.hash != hash || !Arrays.equals(names, other.names)) {
                return false;
            }
            for (int k = 0; k < values.length; k++) {
                if (!sameValue(values[k], other.values[k])) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public PassResult run(Model model, EliminateCommonSubexpressionsOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        long removed = 0;
        for (Graph g : model.graph().allGraphs()) {
            Map<Key, Node> seen = new HashMap<>();
            // one pass in topological order merges chains too: a reader comes after its merged producer
            for (Node n : g.nodes()) {
                Optional<Key> key = key(n);
                if (key.isEmpty()) {
                    continue;
                }
                Node first = seen.putIfAbsent(key.get(), n);
                if (first == null || first.outputs().size() != n.outputs().size()) {
                    continue;
                }
                for (int i = 0; i < n.outputs().size(); i++) {
                    Value o = n.output(i);
                    if (!o.isNone()) {
                        rw.replaceAllUses(o, first.output(i));
                    }
                }
                rw.removeNode(n);
                removed++;
            }
        }
        return PassResult.builder().stat("nodes_removed", removed).build(removed > 0);
    }

    private static Optional<Key> key(Node n) {
        if (n.inputs().isEmpty() || !n.subgraphs().isEmpty() || RANDOM.contains(n.opType()) && n.isStandard()) {
            return Optional.empty();
        }
        for (Value o : n.outputs()) {
            if (o.isGraphOutput()) {
                return Optional.empty();
            }
        }
        if (!n.isStandard()) {
            return Optional.empty(); // custom ops may have state or side effects
        }
        TreeMap<String, Attr> attrs = new TreeMap<>();
        for (Map.Entry<String, Attr> e : n.attrs().entrySet()) {
            Attr a = e.getValue();
            if (!a.refAttrName().isEmpty()) {
                return Optional.empty();
            }
            switch (a.kind()) {
                case FLOAT, INT, FLOATS, INTS, STRING -> attrs.put(e.getKey(), a);
                default -> {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(new Key(n.opType(), n.domain(), n.outputs().size(), new AttrValues(attrs),
                List.copyOf(n.inputs())));
    }
}
