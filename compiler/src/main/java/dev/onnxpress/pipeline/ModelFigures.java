package dev.onnxpress.pipeline;

import dev.onnxpress.analysis.Macs;
import dev.onnxpress.analysis.ModelStats;
import dev.onnxpress.ir.Model;
import dev.onnxpress.runtime.OnnxpressRuntime;
import java.util.OptionalLong;

/**
 * Size figures of a model for the report, as {@code onnxpress inspect} defines them
 * ({@link ModelStats}: parameters and nodes, subgraphs included; {@link Macs}: multiply-accumulates of
 * the matrix ops for a batch of one, empty when they cannot be counted).
 */
record ModelFigures(long parameters, long nodes, OptionalLong macs) {

    static ModelFigures of(Model m) {
        ModelStats stats = ModelStats.of(m);
        OptionalLong macs = Macs.estimate(runnable(m)).map(x -> OptionalLong.of(x.total()))
                .orElse(OptionalLong.empty());
        return new ModelFigures(stats.parameters(), stats.nodes(), macs);
    }

    /**
     * What ONNX Runtime can run: counting MACs may run the model for its shapes, and packed weights
     * (pack_huffman) have no shape until decoded, so a packed model is counted on a decoded copy.
     */
    static Model runnable(Model m) {
        if (!OnnxpressRuntime.isPacked(m)) {
            return m;
        }
        Model plain = m.copy();
        OnnxpressRuntime.unpack(plain);
        return plain;
    }
}
