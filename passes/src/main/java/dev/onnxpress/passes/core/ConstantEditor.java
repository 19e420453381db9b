package dev.onnxpress.passes.core;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes new constant tensors for the fold passes without corrupting other readers: a constant read
 * only by the node being rewritten is updated in place (initializer or Constant node); a shared one
 * is left alone and the node gets a fresh constant (an initializer in the main graph, a Constant node
 * in a subgraph, where ONNX allows initializers but producers rarely emit them).
 */
public final class ConstantEditor {
    private final Rewriter rw;

    public ConstantEditor(Rewriter rw) {
        this.rw = rw;
    }

    public Rewriter rewriter() {
        return rw;
    }

    /**
     * The constant a weight holds, for the fold passes: initializers and Constant nodes, and also
     * initializers that are listed as graph inputs too. Exporters of IR version 3 had to list every
     * initializer as an input (PyTorch kept doing it by default), so a BN's γ/β/mean/var would
     * otherwise look "overridable"; nobody feeds them, and folding replaces them (the input listing of
     * a weight that is rewritten or removed goes with it).
     */
    public static Optional<Tensor> valueOf(Value v) {
        if (v.isNone() || v.graph() == null) {
            return Optional.empty();
        }
        Optional<Tensor> c = v.graph().constantValue(v);
        return c.isPresent() ? c : v.graph().initializer(v);
    }

    /** Makes input {@code index} of {@code n} hold {@code t}. */
    public void setConstantInput(Node n, int index, Tensor t, String nameHint) {
        Value old = n.input(index);
        if (!old.isNone() && soleReader(old, n)) {
            if (old.isInitializer()) {
                rw.setInitializer(old, t);
                return;
            }
            Node p = old.producer().orElse(null);
            if (p != null && p.is("Constant")) {
                for (String a : List.copyOf(p.attrs().keySet())) {
                    if (!a.equals("value")) {
                        rw.removeAttr(p, a);
                    }
                }
                rw.setAttr(p, "value", Attr.of(t));
                return;
            }
        }
        Value fresh = newConstant(n.graph(), nameHint, t);
        rw.setInput(n, index, fresh);
        removeIfDead(old);
    }

    /** A new constant value in {@code g}. */
    public Value newConstant(Graph g, String nameHint, Tensor t) {
        if (g.parent().isEmpty()) {
            return rw.addInitializer(g, nameHint, t);
        }
        return rw.add(g, "Constant", nameHint, List.of(), Map.of("value", Attr.of(t)));
    }

    /** Removes an initializer or Constant node nobody reads any more. */
    public void removeIfDead(Value v) {
        if (v.isNone() || !v.uses().isEmpty() || v.isGraphOutput()) {
            return;
        }
        if (v.isInitializer()) {
            rw.removeInitializer(v);
            return;
        }
        Node p = v.producer().orElse(null);
        if (p != null && p.is("Constant") && p.outputs().size() == 1) {
            rw.removeNode(p);
        }
    }

    /**
     * Points the readers of {@code n}'s first output at {@code result}, removes {@code n} and whichever of
     * {@code constants} became dead; a graph output keeps its name (the model's interface).
     */
    public void replaceNode(Node n, Value result, List<Value> constants) {
        Value y = n.output();
        boolean graphOutput = y.isGraphOutput();
        String name = y.name();
        rw.replaceAllUses(y, result);
        rw.removeNode(n);
        constants.forEach(this::removeIfDead);
        if (graphOutput) {
            rw.rename(result, name);
        }
    }

    private static boolean soleReader(Value v, Node n) {
        if (v.isGraphOutput()) {
            return false;
        }
        for (Value.Use u : v.uses()) {
            if (u.node() != n) {
                return false;
            }
        }
        return v.uses().size() == 1;
    }
}
