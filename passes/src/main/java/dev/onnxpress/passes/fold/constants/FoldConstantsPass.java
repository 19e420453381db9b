package dev.onnxpress.passes.fold.constants;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.fold.ConstantEditor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code fold_constants}: evaluates nodes whose inputs are all constant and replaces them by their
 * results.
 *
 * <pre>
 *   Shape(x: float[1,3,224,224]) → Gather(·, 0) → Unsqueeze → Concat(·, [-1]) → Reshape(y, ·)
 *   ⇒ Reshape(y, [1,-1])            (the shape chain becomes one int64 initializer)
 * </pre>
 * <ul>
 *   <li>Constant inputs are initializers and Constant nodes ({@code Graph.constantValue}); Shape and Size
 *       also fold when their input's declared shape is fully static.</li>
 *   <li>Results become initializers in the main graph and Constant nodes in subgraphs (and where the
 *       result is a graph output, which keeps its name). Main-graph Constant nodes become
 *       initializers too, so the graph lists only computation.</li>
 *   <li>Size guard: a result larger than {@code max_bytes} and larger than the node's inputs is not
 *       materialized (Expand or ConstantOfShape would otherwise turn a few bytes into megabytes).</li>
 *   <li>Not folded: random ops, Quantize/DequantizeLinear (a quantized weight is deliberate), custom
 *       domains, nodes holding subgraphs.</li>
 * </ul>
 * Evaluation: {@link BuiltinEvaluator} for the ops shape arithmetic uses, ONNX Runtime on a one-node
 * model ({@link OrtNodeEvaluator}) for the rest. Opset rules follow the model's default opset.
 */
public final class FoldConstantsPass implements Pass<FoldConstantsOptions> {
    public static final String ID = "fold_constants";

    private static final Set<String> NEVER = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
            "RandomUniformLike", "Multinomial", "Bernoulli", "QuantizeLinear", "DequantizeLinear",
            "DynamicQuantizeLinear", "Constant");

    private static final PassInfo INFO = new PassInfo(ID,
            "Evaluate nodes whose inputs are all constant (incl. Shape of static shapes) and store the results.",
            Set.of(PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT),
            List.of("nodes_folded", "nodes_removed"));

    @Override
    public PassInfo info() {
        return INFO;
    }

    @Override
    public Class<FoldConstantsOptions> optionsType() {
        return FoldConstantsOptions.class;
    }

    @Override
    public PassResult run(Model model, FoldConstantsOptions options, PassContext ctx) {
        Rewriter rw = new Rewriter(model);
        ConstantEditor ed = new ConstantEditor(rw);
        PassResult.Builder out = PassResult.builder();
        int before = model.graph().allNodes().size();
        long opset = model.defaultOpset();
        long folded = 0;
        for (Graph g : model.graph().allGraphs()) {
            boolean root = g.parent().isEmpty();
            for (Node n : g.nodes()) {
                if (n.is("Constant")) {
                    if (root) {
                        constantToInitializer(n, rw);
                    }
                    continue;
                }
                Optional<List<Tensor>> shape = staticShape(n, g);
                if (shape.isPresent()) {
                    replace(n, shape.get(), ed);
                    folded++;
                    continue;
                }
                Optional<List<Tensor>> inputs = constantInputs(n, g);
                if (inputs.isEmpty()) {
                    continue;
                }
                if (!n.isStandard()) {
                    out.skip(n.label(), "op of domain '" + n.domain() + "' is not evaluated");
                    continue;
                }
                if (NEVER.contains(n.opType()) || !n.subgraphs().isEmpty()) {
                    continue;
                }
                long inBytes = 0;
                for (Tensor t : inputs.get()) {
                    inBytes += t == null ? 0 : byteSize(t);
                }
                long limit = Math.max(options.max_bytes(), inBytes);
                List<Tensor> results;
                try {
                    results = evaluate(n, inputs.get(), model, opset, limit);
                } catch (BuiltinEvaluator.TooLarge e) {
                    out.skip(n.label(), tooLarge(e.bytes, options.max_bytes()));
                    continue;
                } catch (RuntimeException e) {
                    out.skip(n.label(), "cannot evaluate: " + firstLine(e));
                    continue;
                }
                if (results == null) {
                    out.skip(n.label(), "cannot evaluate " + n.opType() + " (omitted outputs)");
                    continue;
                }
                long outBytes = 0;
                for (Tensor t : results) {
                    outBytes += t == null ? 0 : byteSize(t);
                }
                if (outBytes > limit) {
                    out.skip(n.label(), tooLarge(outBytes, options.max_bytes()));
                    continue;
                }
                replace(n, results, ed);
                folded++;
            }
        }
        out.stat("nodes_folded", folded);
        out.stat("nodes_removed", before - model.graph().allNodes().size());
        return out.build(rw.changes() > 0);
    }

    private static String tooLarge(long bytes, long max) {
        return "result of " + bytes + " bytes exceeds max_bytes=" + max + " and its inputs";
    }

    private static String firstLine(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static long byteSize(Tensor t) {
        return t.dataType() == dev.onnxpress.ir.DataType.STRING ? t.byteSize() : t.dataType().byteSize(t.elementCount());
    }

    /** The node's inputs as tensors (null where omitted), or empty if one is not constant. */
    private static Optional<List<Tensor>> constantInputs(Node n, Graph g) {
        if (n.inputs().isEmpty() || n.outputs().isEmpty()) {
            return Optional.empty();
        }
        List<Tensor> out = new ArrayList<>();
        for (Value v : n.inputs()) {
            if (v.isNone()) {
                out.add(null);
                continue;
            }
            Optional<Tensor> t = g.constantValue(v);
            if (t.isEmpty()) {
                return Optional.empty();
            }
            out.add(t.get());
        }
        return Optional.of(out);
    }

    /** Shape or Size of a value whose declared shape is fully static (its data need not be known). */
    private static Optional<List<Tensor>> staticShape(Node n, Graph g) {
        if (!(n.is("Shape") || n.is("Size")) || !n.hasInput(0) || g.isConstant(n.input(0))) {
            return Optional.empty();
        }
        return n.input(0).tensorType().filter(ValueType.TensorType::isFullyKnown)
                .flatMap(ValueType.TensorType::knownDims)
                .map(d -> List.of(n.is("Shape") ? BuiltinEvaluator.shapeOf(n, d)
                        : Tensor.scalarLong(Tensor.elementCount(d))));
    }

    private static List<Tensor> evaluate(Node n, List<Tensor> in, Model model, long opset, long limit) {
        Optional<List<Tensor>> r = BuiltinEvaluator.evaluate(n, in, opset, limit);
        if (r.isPresent()) {
            return r.get();
        }
        for (Value o : n.outputs()) {
            if (o.isNone()) {
                return null;
            }
        }
        return OrtNodeEvaluator.evaluate(n, in, model.irVersion(), opset);
    }

    private static void replace(Node n, List<Tensor> results, ConstantEditor ed) {
        Rewriter rw = ed.rewriter();
        Graph g = n.graph();
        List<Value> replaced = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n.outputs().size(); i++) {
            Value o = n.output(i);
            if (o.isNone() || (o.uses().isEmpty() && !o.isGraphOutput())) {
                continue;
            }
            Tensor t = results.get(i);
            Value v = o.isGraphOutput()
                    ? rw.add(g, "Constant", o.name(), List.of(), Map.of("value", Attr.of(t)))
                    : ed.newConstant(g, o.name(), t);
            rw.replaceAllUses(o, v);
            replaced.add(v);
            names.add(o.name());
        }
        List<Value> inputs = List.copyOf(n.inputs());
        rw.removeNode(n);
        for (int i = 0; i < replaced.size(); i++) {
            rw.rename(replaced.get(i), names.get(i));
        }
        inputs.forEach(ed::removeIfDead);
    }

    private static void constantToInitializer(Node n, Rewriter rw) {
        Value o = n.output();
        Optional<Tensor> t = n.graph().constantValue(o);
        if (t.isEmpty() || o.isGraphOutput() || n.outputs().size() != 1) {
            return;
        }
        String name = o.name();
        Value v = rw.addInitializer(n.graph(), name, t.get());
        rw.replaceAllUses(o, v);
        rw.removeNode(n);
        rw.rename(v, name);
    }
}
