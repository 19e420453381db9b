package dev.onnxpress.pipeline;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import java.util.OptionalLong;

/**
 * Size figures of a model for the report: stored parameters (elements of every initializer and
 * Constant-node tensor, subgraphs included), nodes (subgraphs included), and multiply-accumulates when
 * they can be counted.
 */
record ModelFigures(long parameters, long nodes, OptionalLong macs) {

    static ModelFigures of(Model m) {
        long params = 0;
        for (Graph g : m.graph().allGraphs()) {
            for (Tensor t : g.initializers().values()) {
                params += t.elementCount();
            }
            for (Node n : g.nodes()) {
                if (n.is("Constant") && n.outputs().size() == 1) {
                    params += g.constantValue(n.output()).map(Tensor::elementCount).orElse(0L);
                }
            }
        }
        return new ModelFigures(params, m.graph().allNodes().size(), OptionalLong.empty());
    }
}
