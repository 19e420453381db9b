package dev.onnxpress.passes.exits;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Emits one exit into a graph: the head and gate stay in the graph, every node the tap does not depend
 * on moves into the else-branch of a new If whose outputs take the graph outputs' place (and names).
 */
final class ExitSurgery {
    private final Rewriter rw;
    private final Graph root;

    ExitSurgery(Rewriter rw) {
        this.rw = rw;
        this.root = rw.model().graph();
    }

    /** Result of one insertion: the else-branch and where each moved value now lives. */
    record Inserted(Graph elseBranch, Map<Value, Value> moved) {
    }

    Inserted insert(Graph g, Value tap, int[] spatial, LinearHead head, double threshold, boolean softmaxOutput, int index) {
        Set<Node> before = upstreamOf(g, tap);
        // outputs that pass a graph input through (a Loop body's condition) are not gated and stay in place
        Set<Node> ungated = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Integer> gated = new ArrayList<>();
        for (int i = 0; i < g.outputs().size(); i++) {
            Value o = g.outputs().get(i);
            Node producer = o.producer().filter(p -> p.graph() == g).orElse(null);
            boolean passThrough = producer != null && producer.is("Identity") && g.inputs().contains(producer.input(0));
            if (passThrough) {
                ungated.add(producer);
            } else {
                gated.add(i);
            }
        }
        List<Node> rest = g.nodes().stream().filter(n -> !before.contains(n) && !ungated.contains(n)).toList();
        String p = "exit" + index;

        Value logits = addHead(g, tap, spatial, head, p);
        Gate gate = addGate(g, logits, head.classes(), threshold, p);

        List<Value> outs = gated.stream().map(i -> g.outputs().get(i)).toList();
        Graph then = rw.newSubgraph(g, p + "_then");
        Graph other = rw.newSubgraph(g, p + "_else");
        Map<Value, Value> moved = moveInto(other, rest);
        for (Value o : outs) {
            addBranchOutputs(then, other, o, moved, softmaxOutput ? gate.prob() : logits, p);
        }
        Node ifNode = rw.addNode(g, "If", "", p + "_gate", List.of(gate.cond()), outs.size(),
                Map.of("then_branch", Attr.of(then), "else_branch", Attr.of(other)));
        for (int i = 0; i < outs.size(); i++) {
            Value o = outs.get(i);
            String name = o.name();
            rw.setGraphOutput(g, gated.get(i), ifNode.output(i));
            rw.rename(o, rw.uniqueName(name + "_full"));
            rw.rename(ifNode.output(i), name);
            if (o.type().isPresent()) {
                rw.setType(ifNode.output(i), o.type().get());
            }
        }
        for (int i = rest.size() - 1; i >= 0; i--) {
            rw.removeNode(rest.get(i));
        }
        return new Inserted(other, moved);
    }

    /** The nodes of {@code g} the tap depends on (through inputs and subgraphs' outer-scope reads). */
    private static Set<Node> upstreamOf(Graph g, Value tap) {
        Set<Node> before = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Value> stack = new ArrayList<>(List.of(tap));
        while (!stack.isEmpty()) {
            Value v = stack.remove(stack.size() - 1);
            v.producer().filter(p -> p.graph() == g && before.add(p)).ifPresent(p -> {
                stack.addAll(p.inputs().stream().filter(x -> !x.isNone()).toList());
                p.subgraphs().forEach(s -> stack.addAll(s.outerScopeReads()));
            });
        }
        return before;
    }

    /** Head: [N,C,H,W] → AveragePool (2×2 grid, see AddEarlyExitsPass.grid) → Flatten → Gemm → logits [N,K]. */
    private Value addHead(Graph g, Value tap, int[] spatial, LinearHead head, String p) {
        Value feat = tap;
        if (spatial.length == 2) {
            int[] k = AddEarlyExitsPass.grid(spatial[0], spatial[1]);
            feat = rw.add(g, "AveragePool", p + "_pool", List.of(feat), Map.of(
                    "kernel_shape", Attr.ofInts(k[0], k[1]), "strides", Attr.ofInts(k[2], k[3])));
            feat = rw.add(g, "Flatten", p + "_flat", List.of(feat), Map.of("axis", Attr.of(1L)));
        }
        Value w = rw.addInitializer(root, p + "_W", Tensor.ofFloats(new long[] {head.features(), head.classes()},
                head.weight()));
        Value b = rw.addInitializer(root, p + "_B", Tensor.ofFloats(new long[] {head.classes()}, head.bias()));
        return rw.add(g, "Gemm", p + "_logits", List.of(feat, w, b), Map.of());
    }

    /** The head's probabilities and the If condition. */
    private record Gate(Value prob, Value cond) {
    }

    /**
     * Gate: per-sample −H = Σ p·log p (as a MatMul with ones, which needs no opset-specific axes);
     * the batch exits when min(−H) > −threshold, i.e. every sample's entropy is below the threshold.
     */
    private Gate addGate(Graph g, Value logits, int classes, double threshold, String p) {
        Value prob = rw.add(g, "Softmax", p + "_prob", List.of(logits), Map.of("axis", Attr.of(1L)));
        Value logp = rw.add(g, "LogSoftmax", p + "_logp", List.of(logits), Map.of("axis", Attr.of(1L)));
        Value plogp = rw.add(g, "Mul", p + "_plogp", List.of(prob, logp), Map.of());
        float[] ones = new float[classes];
        java.util.Arrays.fill(ones, 1f);
        Value one = rw.addInitializer(root, p + "_ones", Tensor.ofFloats(new long[] {classes, 1}, ones));
        Value negH = rw.add(g, "MatMul", p + "_negentropy", List.of(plogp, one), Map.of());
        Value least = rw.add(g, "ReduceMin", p + "_least", List.of(negH), Map.of("keepdims", Attr.of(0L)));
        Value limit = rw.addInitializer(root, p + "_threshold", Tensor.ofFloats(new long[0], (float) -threshold));
        Value cond = rw.add(g, "Greater", p + "_confident", List.of(least, limit), Map.of());
        return new Gate(prob, cond);
    }

    /** Copies {@code rest} (in order) into the else-branch; returns where each of their outputs now lives. */
    private Map<Value, Value> moveInto(Graph other, List<Node> rest) {
        Map<Value, Value> moved = new IdentityHashMap<>();
        for (Node n : rest) {
            List<Value> ins = n.inputs().stream().map(v -> moved.getOrDefault(v, v)).toList();
            Node c = rw.addNode(other, n.opType(), n.domain(), n.name(), ins, n.outputs().size(), n.attrs());
            for (int i = 0; i < n.outputs().size(); i++) {
                Value o = n.output(i);
                if (o.isNone()) {
                    continue;
                }
                moved.put(o, c.output(i));
                if (o.type().isPresent()) {
                    rw.setType(c.output(i), o.type().get());
                }
            }
        }
        return moved;
    }

    /** One gated output: the full network's value in the else-branch, the exit's (cast to its type) in then. */
    private void addBranchOutputs(Graph then, Graph other, Value o, Map<Value, Value> moved, Value exitOut, String p) {
        Value e = moved.containsKey(o) ? moved.get(o)
                : rw.add(other, "Identity", p + "_pass", List.of(o), Map.of());
        rw.addGraphOutput(other, e);
        Value t = rw.add(then, "Identity", p + "_out", List.of(exitOut), Map.of());
        DataType dt = o.tensorType().map(x -> x.elemType()).orElse(DataType.FLOAT);
        if (dt != DataType.FLOAT) {
            t = rw.add(then, "Cast", p + "_cast", List.of(t), Map.of("to", Attr.of((long) dt.code())));
        }
        rw.addGraphOutput(then, t);
        if (o.type().isPresent()) {
            rw.setType(t, o.type().get());
            rw.setType(e, o.type().get());
        }
    }
}
