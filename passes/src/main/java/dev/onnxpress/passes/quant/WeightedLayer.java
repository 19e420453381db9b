package dev.onnxpress.passes.quant;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A layer whose weight is a floating-point constant: Conv, ConvTranspose, Gemm (B constant) or MatMul
 * (second input constant). Knows where its output channels lie in the weight tensor:
 * Conv {@code [Cout, Cin/g, k…]} → axis 0; ConvTranspose {@code [Cin, Cout/g, k…]} → axis 1;
 * Gemm B {@code [K, N]} (transB=0) → axis 1, {@code [N, K]} (transB=1) → axis 0; MatMul {@code [K, N]} → last axis.
 *
 * @param node        the layer
 * @param weightInput index of the weight input (always 1)
 * @param weight      the weight value (initializer or Constant node output)
 * @param tensor      the weight's data
 * @param axis        the output-channel axis of the weight
 * @param outputAxis  the channel axis of the layer's output (1 for convolutions, last for Gemm/MatMul)
 */
public record WeightedLayer(Node node, int weightInput, Value weight, Tensor tensor, int axis, int outputAxis) {

    public int channels() {
        return (int) tensor.dim(axis);
    }

    /** The weighted layers of a graph, in topological order. */
    public static List<WeightedLayer> find(Graph g) {
        List<WeightedLayer> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            of(n).ifPresent(out::add);
        }
        return out;
    }

    /** The node as a weighted layer, when it is one. */
    public static Optional<WeightedLayer> of(Node n) {
        if (!(n.is("Conv") || n.is("ConvTranspose") || n.is("Gemm") || n.is("MatMul")) || !n.hasInput(1)) {
            return Optional.empty();
        }
        Value w = n.input(1);
        Tensor t = n.graph().constantValue(w).orElse(null);
        if (t == null || !t.dataType().isFloatingPoint() || t.elementCount() == 0) {
            return Optional.empty();
        }
        if (n.graph().isConstant(n.input(0))) {
            return Optional.empty(); // both operands constant: constant folding's job
        }
        int r = t.rank();
        return switch (n.opType()) {
            case "Conv" -> r >= 3 ? Optional.of(new WeightedLayer(n, 1, w, t, 0, 1)) : Optional.empty();
            case "ConvTranspose" -> r >= 3 ? Optional.of(new WeightedLayer(n, 1, w, t, 1, 1)) : Optional.empty();
            case "Gemm" -> r == 2
                    ? Optional.of(new WeightedLayer(n, 1, w, t, n.attrInt("transB", 0) == 0 ? 1 : 0, -1))
                    : Optional.empty();
            default -> r == 2 ? Optional.of(new WeightedLayer(n, 1, w, t, 1, -1)) : Optional.empty();
        };
    }
}
