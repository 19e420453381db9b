package dev.onnxpress.passes.fold.constants;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.core.ConstantEditor;
import dev.onnxpress.analysis.StaticShapes;
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
 *       also fold when their input's shape is static, declared or inferred by {@link StaticShapes}
 *       (a symbolic or unknown dim blocks the fold).</li>
 *   <li>Results become initializers in the main graph and Constant nodes in subgraphs (and where the
 *       result is a graph output, which keeps its name). Main-graph Constant nodes become
 *       initializers too, so the graph lists only computation.</li>
 *   <li>Size guard: a result larger than {@code max_bytes} and larger than the node's inputs is not
 *       materialized (Expand or ConstantOfShape would otherwise turn a few bytes into megabytes, and the
 *       decode chains of share_weights or convert_fp16 would be stored as float weights again). The
 *       default, 4 KB, lets every shape computation fold.</li>
 *   <li>Not folded: random ops, Quantize/DequantizeLinear (a quantized weight is deliberate), custom
 *       domains, nodes holding subgraphs.</li>
 * </ul>
 * Evaluation: {@link BuiltinEvaluator} for the ops shape arithmetic uses, ONNX Runtime on a one-node
 * model ({@link OrtNodeEvaluator}) for the rest. Opset rules follow the model's default opset.
 */
@PassSpec(id = FoldConstantsPass.ID,
        summary = "Evaluate nodes whose inputs are all constant (incl. Shape of static shapes) and store the results.",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_folded", doc = "nodes evaluated and replaced by their constant results"),
                @Statistic(name = "nodes_removed", doc = "nodes fewer in the graph than before")})
public final class FoldConstantsPass implements Pass<FoldConstantsOptions> {
    public static final String ID = "fold_constants";

    private static final Set<String> NEVER = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
            "RandomUniformLike", "Multinomial", "Bernoulli", "QuantizeLinear", "DequantizeLinear",
            "DynamicQuantizeLinear", "Constant");

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
            StaticShapes shapes = StaticShapes.infer(g, opset);
            for (Node n : g.nodes()) {
                if (n.is("Constant")) {
                    if (root) {
                        constantToInitializer(n, rw);
                    }
                    continue;
                }
                Optional<List<Tensor>> shape = staticShape(n, g, shapes);
                if (shape.isPresent()) {
                    replace(n, shape.get(), ed);
                    folded++;
                    continue;
                }
                Optional<List<Tensor>> inputs = constantInputs(n, g);
                if (inputs.isEmpty()) {
                    Optional<Tensor> known = PARTIAL_OPS.contains(n.opType()) && n.isStandard()
                            && n.outputs().size() == 1 ? shapes.partial(n.output()).flatMap(StaticShapes.Partial::tensor)
                            : Optional.empty();
                    if (known.isPresent()) {
                        replace(n, List.of(known.get()), ed);
                        folded++;
                    } else if (n.is("Reshape") && n.isStandard()) {
                        folded += copyDimsInReshape(n, shapes, ed) ? 1 : 0;
                    }
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

    /** Ops whose result {@link StaticShapes} may know element by element although an input is not constant. */
    private static final Set<String> PARTIAL_OPS = Set.of("Shape", "Cast", "Slice", "Gather", "Unsqueeze",
            "Squeeze", "Concat", "Identity");

    /**
     * A Reshape whose shape is computed from its own input's shape ({@code Concat(Shape(x)[0], 200)}) gets a
     * constant shape where each unknown element is "dim i of x" at position i, written as 0 (ONNX: copy
     * that dim), as ONNX Runtime's Reshape fusion does. Needs allowzero = 0.
     */
    private static boolean copyDimsInReshape(Node n, StaticShapes shapes, ConstantEditor ed) {
        if (n.inputCount() != 2 || n.attrInt("allowzero", 0) != 0 || n.graph().isConstant(n.input(1))) {
            return false;
        }
        Optional<StaticShapes.Partial> p = shapes.partial(n.input(1));
        if (p.isEmpty() || p.get().scalar()) {
            return false;
        }
        List<StaticShapes.Element> el = p.get().elements();
        long[] shape = new long[el.size()];
        for (int i = 0; i < shape.length; i++) {
            StaticShapes.Element e = el.get(i);
            if (e.isKnown()) {
                shape[i] = e.known();
            } else if (e.source() == n.input(0) && e.dim() == i) {
                shape[i] = 0;
            } else {
                return false;
            }
        }
        Value old = n.input(1);
        ed.rewriter().setInput(n, 1, ed.newConstant(n.graph(), old.name(), Tensor.ofLongs(new long[] {shape.length}, shape)));
        removeDeadChain(old, ed);
        return true;
    }

    /** Removes the computation that only fed a value nobody reads any more (a folded Shape chain). */
    private static void removeDeadChain(Value v, ConstantEditor ed) {
        if (v.isNone() || !v.uses().isEmpty() || v.isGraphOutput()) {
            return;
        }
        Node p = v.producer().orElse(null);
        if (p == null || p.is("Constant") || !p.isStandard() || !p.subgraphs().isEmpty() || NEVER.contains(p.opType())) {
            ed.removeIfDead(v);
            return;
        }
        for (Value o : p.outputs()) {
            if (!o.isNone() && (!o.uses().isEmpty() || o.isGraphOutput())) {
                return;
            }
        }
        List<Value> inputs = List.copyOf(p.inputs());
        ed.rewriter().removeNode(p);
        inputs.forEach(i -> removeDeadChain(i, ed));
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

    /**
     * Shape or Size of a value whose shape is static, declared or inferred ({@link StaticShapes}); its data
     * need not be known. Shape with start/end needs only the selected dims to be known.
     */
    private static Optional<List<Tensor>> staticShape(Node n, Graph g, StaticShapes shapes) {
        if (!(n.is("Shape") || n.is("Size")) || !n.hasInput(0) || g.isConstant(n.input(0))) {
            return Optional.empty();
        }
        if (n.is("Size")) {
            return shapes.knownDims(n.input(0)).map(d -> List.of(Tensor.scalarLong(Tensor.elementCount(d))));
        }
        Optional<long[]> dims = shapes.dims(n.input(0));
        if (dims.isEmpty()) {
            return Optional.empty();
        }
        Tensor t = BuiltinEvaluator.shapeOf(n, dims.get());
        for (long d : t.toLongArray()) {
            if (d < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(List.of(t));
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
        inputs.forEach(i -> removeDeadChain(i, ed));
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
