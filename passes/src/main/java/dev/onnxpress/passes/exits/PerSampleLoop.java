package dev.onnxpress.passes.exits;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.passes.PassException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-sample gating: the whole network moves into the body of an ONNX Loop that runs once per sample of the
 * batch, so a gate inside it (an If on that one sample's confidence) decides for each sample alone, at any
 * batch size.
 *
 * <pre>
 *   X[N,…] → net → Y[N,K]
 *   ⇒ Loop(M = N) body(i): X_i = Gather(X, [i]) [1,…] → net → Y_i [1,K];   Y = Reshape(stack(Y_i), [0,-1])
 * </pre>
 * Initializers stay in the main graph (the body reads them from the outer scope); the body's condition
 * output passes its input through. Exits are then inserted into the body ({@link ExitSurgery}).
 */
final class PerSampleLoop {
    private PerSampleLoop() {
    }

    /** The Loop body and where each main-graph value now lives in it. */
    record Wrapped(Graph body, Map<Value, Value> moved) {
    }

    static Wrapped wrap(Rewriter rw, String passId) {
        Graph g = rw.model().graph();
        List<Node> nodes = List.copyOf(g.nodes());
        for (Node n : nodes) {
            if (!n.subgraphs().isEmpty()) {
                throw new PassException(passId, "gating=per_sample needs a graph without control flow; node "
                        + n.label() + " holds a subgraph (use gating=batch)");
            }
        }
        List<Value> inputs = g.realInputs();
        if (inputs.isEmpty()) {
            throw new PassException(passId, "gating=per_sample needs a model input to loop over");
        }
        Value out = g.outputs().get(0);
        Graph body = rw.newSubgraph(g, "per_sample");
        Value iter = rw.addGraphInput(body, "sample", ValueType.TensorType.of(DataType.INT64));
        Value condIn = rw.addGraphInput(body, "keep_going", ValueType.TensorType.of(DataType.BOOL));
        Value one = rw.addInitializer(g, "per_sample_index_shape", Tensor.ofLongs(new long[] {1}, 1));
        Value index = rw.add(body, "Reshape", "per_sample_index", List.of(iter, one), Map.of());
        Map<Value, Value> moved = new IdentityHashMap<>();
        for (Value x : inputs) {
            moved.put(x, rw.add(body, "Gather", x.name() + "_sample", List.of(x, index),
                    Map.of("axis", Attr.of(0L))));
        }
        for (Node n : nodes) {
            List<Value> ins = n.inputs().stream().map(v -> moved.getOrDefault(v, v)).toList();
            Node c = rw.addNode(body, n.opType(), n.domain(), n.name(), ins, n.outputs().size(), n.attrs());
            for (int i = 0; i < n.outputs().size(); i++) {
                if (!n.output(i).isNone()) {
                    moved.put(n.output(i), c.output(i));
                }
            }
        }
        Value condOut = rw.add(body, "Identity", "per_sample_keep_going", List.of(condIn), Map.of());
        rw.addGraphOutput(body, condOut);
        Value sampleOut = moved.containsKey(out) ? moved.get(out)
                : rw.add(body, "Identity", "per_sample_out", List.of(out), Map.of());
        rw.addGraphOutput(body, sampleOut);

        // trip count: the batch size of the first input
        Value shape = rw.add(g, "Shape", "per_sample_shape", List.of(inputs.get(0)), Map.of());
        Value zero = rw.addInitializer(g, "per_sample_batch_axis", Tensor.ofLongs(new long[0], 0));
        Value count = rw.add(g, "Gather", "per_sample_count", List.of(shape, zero), Map.of());
        Node loop = rw.addNode(g, "Loop", "", "per_sample_loop", List.of(count, Value.none()), 1,
                Map.of("body", Attr.of(body)));
        Value flat = rw.addInitializer(g, "per_sample_rows", Tensor.ofLongs(new long[] {2}, 0, -1));
        Value y = rw.add(g, "Reshape", "per_sample_stack", List.of(loop.output(), flat), Map.of());
        String name = out.name();
        rw.setGraphOutput(g, 0, y);
        rw.rename(out, rw.uniqueName(name + "_batched"));
        rw.rename(y, name);
        out.type().ifPresent(t -> rw.setType(y, t));
        List<Node> reversed = new ArrayList<>(nodes);
        java.util.Collections.reverse(reversed);
        for (Node n : reversed) {
            rw.removeNode(n);
        }
        return new Wrapped(body, moved);
    }
}
