package dev.onnxpress.passes.core;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassResult;
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

    /**
     * The weighted layers among {@code nodes} that {@code selector} picks, in order; every selected node of a
     * weight op that is not one gets a skip on {@code skips} saying why ({@link #whyNot}).
     */
    public static List<WeightedLayer> selected(Iterable<Node> nodes, NodeSelector selector,
            PassResult.Builder skips) {
        List<WeightedLayer> out = new ArrayList<>();
        for (Node n : nodes) {
            if (!selector.matches(n)) {
                continue;
            }
            Optional<WeightedLayer> l = of(n);
            if (l.isPresent()) {
                out.add(l.get());
            } else {
                whyNot(n).ifPresent(why -> skips.skip(n.label(), why));
            }
        }
        return out;
    }

    /** Whether the node is of an op type that carries a weight as its second input. */
    public static boolean isWeightOp(Node n) {
        return n.is("Conv") || n.is("ConvTranspose") || n.is("Gemm") || n.is("MatMul");
    }

    /**
     * Why a Conv, ConvTranspose, Gemm or MatMul node is not a weighted layer, in words for a skip; empty when
     * it is one, or when the node is of another op type.
     */
    public static Optional<String> whyNot(Node n) {
        if (!isWeightOp(n) || of(n).isPresent()) {
            return Optional.empty();
        }
        if (!n.hasInput(1)) {
            return Optional.of("it has no weight input");
        }
        Value w = n.input(1);
        Graph g = n.graph();
        if (w.isInitializer() && w.isGraphInput()) {
            return Optional.of("weight '" + w.name() + "' is also listed as a graph input (IR 3 style), so a caller"
                    + " may override it; run remove_unused_initializers() first, which unlists initializers from"
                    + " the graph inputs (IR version 4 or later)");
        }
        Optional<Tensor> t = g.constantValue(w);
        if (t.isEmpty()) {
            return Optional.of("weight '" + w.name() + "' is computed at run time, not a constant");
        }
        if (!t.get().dataType().isFloatingPoint()) {
            return Optional.of("weight '" + w.name() + "' is " + t.get().dataType().displayName()
                    + ", not floating point");
        }
        if (t.get().elementCount() == 0) {
            return Optional.of("weight '" + w.name() + "' is empty");
        }
        if (g.isConstant(n.input(0))) {
            return Optional.of("both operands are constant (fold_constants evaluates it)");
        }
        return Optional.of("weight '" + w.name() + "' has rank " + t.get().rank() + ", which " + n.opType()
                + " layers here do not take");
    }

    /** The node as a weighted layer, when it is one. */
    public static Optional<WeightedLayer> of(Node n) {
        if (!isWeightOp(n) || !n.hasInput(1)) {
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
