package dev.onnxpress.passes.fold.constants;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ort.OrtRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Evaluates any standard op ONNX Runtime implements, by running a one-node model whose inputs are
 * initializers: the general fallback for ops {@link BuiltinEvaluator} does not know. Slower (one
 * session per node), so it is used only when the built-in evaluator declines.
 */
final class OrtNodeEvaluator {
    private OrtNodeEvaluator() {
    }

    /** The node's outputs, in order; throws a RuntimeException if ORT rejects or fails the node. */
    static List<Tensor> evaluate(Node n, List<Tensor> in, long irVersion, long opset) {
        Graph g = Graph.create("fold_" + n.opType());
        Model m = Model.create(g, Math.max(irVersion, 7), opset);
        Rewriter rw = new Rewriter(m);
        List<Value> inputs = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            inputs.add(in.get(i) == null ? Value.none() : rw.addInitializer(g, "in" + i, in.get(i)));
        }
        Node copy = rw.addNode(g, n.opType(), "", "node", inputs, n.outputs().size(), n.attrs());
        List<String> names = new ArrayList<>();
        for (Value o : copy.outputs()) {
            rw.addGraphOutput(g, o);
            names.add(o.name());
        }
        try (OrtRunner runner = OrtRunner.open(ModelWriter.toBytes(m))) {
            Map<String, Tensor> out = runner.run(Map.of(), names);
            List<Tensor> result = new ArrayList<>();
            for (String name : names) {
                result.add(out.get(name));
            }
            return result;
        }
    }
}
