/*
 * fix_shapes(dims): makes a model's shapes static.
 *
 *   before:  x: float[batch,3,H,W] ─Conv─ … ─Shape─Gather─Reshape ─▶ y: float[batch,?]
 *   after:   x: float[1,3,64,64]   ─Conv─ … (value_info: every value's static shape)
 *            ─Reshape(·, [1,2048]) ─▶ y: float[1,2048]
 *
 * 1. Symbolic dims of the main graph's inputs and outputs named in `dims` become those sizes; an input
 *    dim left symbolic (or unknown) is an error naming it, since a static model needs them all.
 * 2. The model runs once in ONNX Runtime on seeded inputs (floats in [0,1), integers 0, bools false)
 *    with every main-graph value tapped: what ORT computes is the shape at these sizes, including what
 *    static inference cannot know (Reshape targets computed from data, Resize by scales). Each value's
 *    type is recorded in value_info; outputs get static types too. Values inside If/Loop/Scan bodies
 *    cannot be tapped and keep their declared types.
 * 3. With fold=true, Shape and Size of values whose shape is now static become int64 constants
 *    (Shape's start/end of opset 15 honoured), then fold_constants runs when the registry has it;
 *    otherwise the now-dead nodes are removed here.
 * Exact: the model computes the same values at the given sizes (it no longer accepts other sizes).
 */
package dev.onnxpress.passes.convert.shapes;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.PassRegistry;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.core.ElementTypes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/** Replaces symbolic dims by sizes, records every value's static shape and folds shape arithmetic. */
@PassSpec(id = FixShapesPass.ID,
        summary = "Fix symbolic dims to given sizes, record every value's static shape, fold Shape chains",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "dims_fixed", doc = "symbolic input dimensions given a size"),
                @Statistic(name = "shapes_recorded", doc = "values whose static shape was recorded"),
                @Statistic(name = "shape_nodes_folded", doc = "Shape/Size nodes replaced by constants"),
                @Statistic(name = "nodes_removed", doc = "nodes fewer in the graph than before")})
public final class FixShapesPass implements Pass<FixShapesOptions> {
    public static final String ID = "fix_shapes";
    private static final String FOLD_ID = "fold_constants";

    @Override
    public PassResult run(Model model, FixShapesOptions options, PassContext ctx) {
        Map<String, Long> sizes = parse(options.dims());
        if (options.dims().isEmpty()) {
            // the run's own sizes (--dims, random(dims=…)), by dim name; input[axis] forms name no dim here
            ctx.dimSizes().forEach((k, v) -> {
                if (!k.contains("[")) {
                    sizes.put(k, v);
                }
            });
        }
        PassResult.Builder result = PassResult.builder();
        Graph g = model.graph();
        Rewriter rw = new Rewriter(model);
        long fixed = 0;
        for (Value v : g.realInputs()) {
            fixed += fix(rw, v, sizes);
        }
        for (Value v : g.outputs()) {
            fixed += fix(rw, v, sizes);
        }
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        Random random = new Random(7);
        for (Value v : g.realInputs()) {
            ValueType.TensorType t = v.tensorType().orElseThrow(() -> new PassException(ID, "input '" + v.name()
                    + "' is not a tensor with a declared type"));
            List<Dim> shape = t.shape().orElseThrow(() -> new PassException(ID, "input '" + v.name()
                    + "' has no declared rank"));
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                Dim d = shape.get(i);
                if (!d.isKnown()) {
                    throw new PassException(ID, "input '" + v.name() + "' dim " + i + (d instanceof Dim.Symbolic s
                            ? " '" + s.name() + "' is symbolic: give its size in dims (e.g. \"" + s.name() + "=1\") or with"
                            + " the run's --dims"
                            : " is unknown"));
                }
                dims[i] = d.sizeOr(0);
            }
            feeds.put(v.name(), probeInput(t.elemType(), dims, random));
        }
        long recorded = recordShapes(model, rw, feeds);
        result.add("dims_fixed", fixed).add("shapes_recorded", recorded);
        if (options.fold()) {
            Set<Value> created = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            long folded = foldShapes(g, rw, created);
            result.add("shape_nodes_folded", folded);
            long before = g.allNodes().size();
            Optional<PassResult> fold = folded > 0 ? runFoldConstants(model, ctx) : Optional.empty();
            if (fold.isEmpty()) {
                removeDead(g, rw, created);
            } else {
                result.note("fold_constants: " + fold.get().statistics());
            }
            result.add("nodes_removed", before - g.allNodes().size());
        }
        return result.build(rw.changes() > 0);
    }

    static Map<String, Long> parse(List<String> dims) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String d : dims) {
            int eq = d.lastIndexOf('=');
            long size;
            try {
                size = eq > 0 ? Long.parseLong(d.substring(eq + 1).trim()) : -1;
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1) {
                throw new PassException(ID, "dims entry '" + d + "' is not name=size with a size of at least 1");
            }
            out.put(d.substring(0, eq).trim(), size);
        }
        return out;
    }

    private static long fix(Rewriter rw, Value v, Map<String, Long> sizes) {
        Optional<ValueType.TensorType> t = v.tensorType();
        if (t.isEmpty() || t.get().shape().isEmpty()) {
            return 0;
        }
        List<Dim> shape = new ArrayList<>(t.get().shape().get());
        long n = 0;
        for (int i = 0; i < shape.size(); i++) {
            if (shape.get(i) instanceof Dim.Symbolic s && sizes.containsKey(s.name())) {
                shape.set(i, Dim.of(sizes.get(s.name())));
                n++;
            }
        }
        if (n > 0) {
            rw.setType(v, ValueType.TensorType.of(t.get().elemType(), shape));
        }
        return n;
    }

    private static Tensor probeInput(DataType type, long[] dims, Random random) {
        int n = Math.toIntExact(Tensor.elementCount(dims));
        double[] v = new double[n];
        if (type.isFloatingPoint()) {
            for (int i = 0; i < n; i++) {
                v[i] = random.nextDouble();
            }
        }
        return Tensor.of(type, dims, v);
    }

    /** Runs the model once with every main-graph value tapped and records the shapes ORT computed. */
    private static long recordShapes(Model model, Rewriter rw, Map<String, Tensor> feeds) {
        Graph g = model.graph();
        ElementTypes types = ElementTypes.of(g);
        Map<String, Value> byName = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            for (Value o : n.outputs()) {
                // only tensors: a sequence or optional value cannot be fetched as a tensor
                if (!o.isNone() && types.of(o).isPresent()
                        && o.type().map(t -> t instanceof ValueType.TensorType).orElse(true)) {
                    byName.put(o.name(), o);
                }
            }
        }
        Map<String, Tensor> values;
        try (OrtRunner r = OrtRunner.open(model, List.copyOf(byName.keySet()), OrtRunner.Options.defaults())) {
            values = r.run(feeds, List.copyOf(byName.keySet()));
        }
        long n = 0;
        for (Map.Entry<String, Value> e : byName.entrySet()) {
            Tensor t = values.get(e.getKey());
            if (t != null) {
                rw.setType(e.getValue(), ValueType.TensorType.of(t.dataType(), t.dims()));
                n++;
            }
        }
        return n;
    }

    /** Shape and Size of values with a fully known shape become constants; returns how many. */
    private static long foldShapes(Graph g, Rewriter rw, Set<Value> created) {
        long n = 0;
        for (Node node : g.nodes()) {
            if (!(node.is("Shape") || node.is("Size")) || node.output().isGraphOutput()) {
                continue;
            }
            Optional<long[]> dims = node.input(0).tensorType().filter(ValueType.TensorType::isFullyKnown)
                    .flatMap(ValueType.TensorType::knownDims);
            if (dims.isEmpty()) {
                continue;
            }
            Tensor t;
            if (node.is("Size")) {
                t = Tensor.scalarLong(Tensor.elementCount(dims.get()));
            } else {
                int r = dims.get().length;
                int start = clampAxis(node.attrInt("start", 0), r);
                int end = clampAxis(node.attrInt("end", r), r);
                long[] part = java.util.Arrays.copyOfRange(dims.get(), start, Math.max(start, end));
                t = Tensor.ofLongs(new long[] {part.length}, part);
            }
            Value c = rw.addInitializer(g, node.output().name() + "_static", t);
            created.add(c);
            rw.replaceAllUses(node.output(), c);
            rw.removeNode(node);
            n++;
        }
        return n;
    }

    private static int clampAxis(long a, int rank) {
        long x = a < 0 ? a + rank : a;
        return (int) Math.max(0, Math.min(rank, x));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Optional<PassResult> runFoldConstants(Model model, PassContext ctx) {
        Optional<Pass<?>> fold = PassRegistry.find(FOLD_ID);
        if (fold.isEmpty()) {
            return Optional.empty();
        }
        Pass raw = fold.get();
        return Optional.of(raw.run(model, PassOptions.defaults(fold.get().optionsType()), ctx));
    }

    /** Removes standard-domain nodes whose outputs nobody reads, until none is left. */
    private static void removeDead(Graph g, Rewriter rw, Set<Value> created) {
        boolean again = true;
        while (again) {
            again = false;
            List<Node> nodes = g.nodes();
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node n = nodes.get(i);
                boolean read = n.outputs().stream().anyMatch(o -> !o.isNone() && (!o.uses().isEmpty() || o.isGraphOutput()));
                if (!read && n.isStandard()) {
                    rw.removeNode(n);
                    again = true;
                }
            }
        }
        for (Value v : new ArrayList<>(g.initializers().keySet())) {
            // only constants this pass created: the model's own unused initializers are another pass's business
            if (v.uses().isEmpty() && !v.isGraphOutput() && v.producer().isEmpty()
                    && v.metadata().isEmpty() && created.contains(v)) {
                rw.removeInitializer(v);
            }
        }
    }
}
