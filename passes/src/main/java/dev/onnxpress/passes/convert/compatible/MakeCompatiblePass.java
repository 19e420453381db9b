/*
 * make_compatible(runtime): rewrites a model into the forms a target runtime accepts, as its measured
 * capability table (TargetTable, <runtime>.tsv) says, or fails listing the nodes it cannot make so.
 *
 * For each rule the table marks "fails" (what the one-node probe showed), the fix, in this order:
 *   shape:symbolic_input_dims      fix_shapes with dims= or the run's --dims (symbolic sizes become static,
 *                                  Shape chains fold); without a size: the dim is listed
 *   shape:untyped_graph_outputs    graph outputs get ONNX Runtime's element type and shape
 *   type:float16                   float16 tensors, Casts and value types become float32
 *   form:Conv.kernel_shape_missing kernel_shape from the weight's dims
 *   form:Clip.min_max_inputs       Clip(x, lo, hi) ⇒ Min(Max(x, lo), hi)
 *   op:Mean                        Mean(a, b, …) ⇒ (a + b + …)·(1/n)
 *   op:Gelu / HardSwish / Mish     their decompositions (Decompositions)
 * Anything else the table marks "fails" is left and listed, with the table's evidence, in one
 * PassException; ops the table has no row for are not measured: they stay and a note says so (the
 * verification on the runtime is what then tells). runtime=ort changes nothing: its table is all "ok".
 */
package dev.onnxpress.passes.convert.compatible;

import dev.onnxpress.passes.core.target.TargetRules;
import dev.onnxpress.passes.core.target.OutputTypes;
import dev.onnxpress.passes.core.target.TargetTable;
import dev.onnxpress.passes.core.target.TargetFindings;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Dim;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Value;
import dev.onnxpress.ir.ValueType;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.convert.Decompositions;
import dev.onnxpress.passes.convert.shapes.FixShapesOptions;
import dev.onnxpress.passes.convert.shapes.FixShapesPass;
import dev.onnxpress.passes.core.ElementTypes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Rewrites what a target runtime cannot run, by its measured capability table. */
@PassSpec(id = MakeCompatiblePass.ID,
        summary = "Rewrite what a target runtime (opencv, ort_mobile) cannot run, by its measured capability table",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_rewritten", doc = "nodes rewritten into forms the target runtime runs"),
                @Statistic(name = "dims_fixed",
                        doc = "symbolic dimensions fixed for a runtime that needs static shapes"),
                @Statistic(name = "outputs_typed", doc = "graph outputs given the declared type the runtime needs"),
                @Statistic(name = "float16_converted",
                        doc = "float16 tensors, attributes and types widened to float32")})
public final class MakeCompatiblePass implements Pass<MakeCompatibleOptions> {
    public static final String ID = "make_compatible";
    private static final int LISTED = 12;

    @Override
    public PassResult run(Model model, MakeCompatibleOptions options, PassContext ctx) {
        return apply(model, TargetTable.load(runtime(options, ctx).id()), options.dims(), ctx);
    }

    /** The runtime option, else the one deployment runtime the run verifies on. */
    static TargetRuntime runtime(MakeCompatibleOptions options, PassContext ctx) {
        if (options.runtime().isPresent()) {
            return options.runtime().get();
        }
        List<String> targets = ctx.deploymentRuntimes();
        if (targets.size() != 1) {
            throw new UserException(ID + ": give runtime=opencv|ort|ort_mobile" + (targets.isEmpty()
                    ? " (the recipe verifies on no other runtime to take it from: verify … on opencv)"
                    : " (the recipe verifies on " + String.join(", ", targets) + "; name the one to adapt to)"));
        }
        String name = targets.get(0).toLowerCase(java.util.Locale.ROOT).replace('-', '_');
        return java.util.Arrays.stream(TargetRuntime.values()).filter(r -> r.id().equals(name)).findFirst()
                .orElseThrow(() -> new UserException(ID + ": the recipe verifies on " + targets.get(0)
                        + ", which has no capability table; give runtime=opencv|ort|ort_mobile"));
    }

    /** The pass against any table (tests give tables marking other rules as failing). */
    static PassResult apply(Model model, TargetTable table, List<String> dimsOption, PassContext ctx) {
        PassResult.Builder result = PassResult.builder();
        Rewriter rw = new Rewriter(model);
        List<String> cannot = new ArrayList<>();
        long changes = 0;

        changes += fixShapes(model, table, dimsOption, ctx, result, cannot);
        if (!OutputTypes.untyped(model).isEmpty() && table.fails(TargetRules.UNTYPED_OUTPUTS)) {
            long typed = OutputTypes.fill(model, rw);
            result.add("outputs_typed", typed);
            changes += typed;
        }
        if (table.fails(TargetRules.FLOAT16)
                && model.graph().allNodes().stream().anyMatch(TargetRules::touchesFloat16)
                || table.fails(TargetRules.FLOAT16) && hasFloat16Initializer(model)) {
            long n = Float16ToFloat32.convert(model, rw);
            result.add("float16_converted", n);
            changes += n;
        }
        long rewritten = rewriteNodes(model, table, rw, cannot);
        result.add("nodes_rewritten", rewritten);
        changes += rewritten;
        if (!cannot.isEmpty()) {
            List<String> shown = cannot.subList(0, Math.min(LISTED, cannot.size()));
            throw new PassException(ID, "cannot make the model run in " + table.measuredOn() + ": "
                    + String.join("; ", shown) + (cannot.size() > LISTED ? "; and " + (cannot.size() - LISTED)
                    + " more" : ""));
        }
        Set<String> unknown = TargetFindings.unmeasured(model, table);
        if (!unknown.isEmpty()) {
            result.note("not measured for " + table.runtime() + " (no probe; the verification decides): "
                    + String.join(", ", unknown));
        }
        result.detail("runtime", table.measuredOn());
        return result.build(changes > 0);
    }

    /** Fixes symbolic input dims when the target needs static shapes (1 when that changed the model). */
    private static long fixShapes(Model model, TargetTable table, List<String> dimsOption, PassContext ctx,
            PassResult.Builder result, List<String> cannot) {
        Optional<String> shapeRule = TargetRules.shapeRules(model).stream().filter(r -> table.fails(r)).findFirst();
        if (shapeRule.isPresent()) {
            List<String> dims = dimsOption.isEmpty() ? runDims(model, ctx) : dimsOption;
            List<String> missing = missingSizes(model, dims);
            if (!missing.isEmpty()) {
                cannot.add("inputs: " + table.runtime() + " needs static shapes ("
                        + table.evidence(TargetRules.SYMBOLIC_DIMS) + "); no size for " + String.join(", ", missing)
                        + ": give dims=[\"name=N\", …] or the run's --dims");
            } else {
                PassResult fixed = new FixShapesPass().run(model, new FixShapesOptions(dims, true), ctx);
                result.add("dims_fixed", fixed.statistics().getOrDefault("dims_fixed", 0).longValue());
                return fixed.changed() ? 1 : 0;
            }
        }
        return 0;
    }

    /**
     * Rewrites each node a failing rule marks (kernel_shape, Clip inputs, Mean, decompositions); what cannot
     * be rewritten goes to {@code cannot}.
     */
    private static long rewriteNodes(Model model, TargetTable table, Rewriter rw, List<String> cannot) {
        long rewritten = 0;
        long opset = model.defaultOpset();
        ElementTypes types = ElementTypes.of(model.graph());
        for (Node n : new ArrayList<>(model.graph().allNodes())) {
            if (n.graph() != model.graph() && needsFix(table, n, types)) {
                cannot.add(describe(n, "inside a subgraph", ""));
                continue;
            }
            for (String rule : TargetRules.of(n, types::of)) {
                if (!table.fails(rule)) {
                    continue;
                }
                boolean done = switch (rule) {
                    case TargetRules.CONV_NO_KERNEL_SHAPE -> TargetFindings.kernelDims(n).map(k -> {
                        rw.setAttr(n, "kernel_shape", Attr.ofInts(k));
                        return true;
                    }).orElse(false);
                    case TargetRules.CLIP_INPUTS -> clipToMinMax(rw, n);
                    case "op:Mean" -> meanToSum(rw, n, types.of(n.input(0)).orElse(DataType.FLOAT));
                    case "op:Gelu", "op:HardSwish", "op:Mish" -> Decompositions.expand(rw, n, opset,
                            types.of(n.input(0)).orElse(DataType.FLOAT)).isPresent();
                    default -> false;
                };
                if (done) {
                    rewritten++;
                    if (!n.opType().equals("Conv")) {
                        break; // the node is gone
                    }
                } else {
                    cannot.add(describe(n, rule, table.evidence(rule)));
                }
            }
        }
        return rewritten;
    }

    private static boolean needsFix(TargetTable table, Node n, ElementTypes types) {
        return TargetRules.of(n, types::of).stream().anyMatch(r -> table.fails(r));
    }

    private static String describe(Node n, String rule, String evidence) {
        return "node '" + n.label() + "' (" + n.opType() + "): " + rule + (evidence.isEmpty() ? "" : " — " + evidence);
    }

    private static boolean hasFloat16Initializer(Model model) {
        return model.graph().allGraphs().stream().flatMap(g -> g.initializers().values().stream())
                .anyMatch(t -> t.dataType() == DataType.FLOAT16);
    }


    private static boolean clipToMinMax(Rewriter rw, Node n) {
        Graph g = n.graph();
        Value y = n.input(0);
        if (n.hasInput(1)) {
            y = rw.add(g, "Max", n.label() + "_lo", List.of(y, n.input(1)), Map.of());
        }
        if (n.hasInput(2)) {
            y = rw.add(g, "Min", n.label() + "_hi", List.of(y, n.input(2)), Map.of());
        }
        if (y == n.input(0)) {
            y = rw.add(g, "Identity", n.label() + "_id", List.of(y), Map.of());
        }
        Decompositions.takeOver(rw, n, y);
        return true;
    }

    private static boolean meanToSum(Rewriter rw, Node n, DataType dt) {
        Graph g = n.graph();
        List<Value> ins = n.inputs().stream().filter(v -> !v.isNone()).toList();
        Value sum = ins.get(0);
        for (int i = 1; i < ins.size(); i++) {
            sum = rw.add(g, "Add", n.label() + "_sum" + i, List.of(sum, ins.get(i)), Map.of());
        }
        Value scale = Decompositions.scalar(rw, g, n.label() + "_inv_n", 1.0 / ins.size(), dt);
        Value y = rw.add(g, "Mul", n.label() + "_mean", List.of(sum, scale), Map.of());
        Decompositions.takeOver(rw, n, y);
        return true;
    }

    /**
     * The run's sizes (--dims, random(dims=…)) as "name=N", the input[axis] form translated to the
     * dim's symbolic name.
     */
    private static List<String> runDims(Model model, PassContext ctx) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        ctx.dimSizes().forEach((k, v) -> {
            int open = k.indexOf('[');
            if (open < 0) {
                sizes.putIfAbsent(k, v);
                return;
            }
            String input = k.substring(0, open);
            int axis;
            try {
                axis = Integer.parseInt(k.substring(open + 1, k.length() - 1));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                return;
            }
            for (Value in : model.graph().realInputs()) {
                var shape = in.tensorType().flatMap(ValueType.TensorType::shape);
                if (in.name().equals(input) && shape.isPresent() && axis >= 0 && axis < shape.get().size()
                        && shape.get().get(axis) instanceof Dim.Symbolic s) {
                    sizes.putIfAbsent(s.name(), v);
                }
            }
        });
        List<String> out = new ArrayList<>();
        sizes.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    private static List<String> missingSizes(Model model, List<String> dims) {
        Set<String> given = new LinkedHashSet<>();
        for (String d : dims) {
            given.add(d.split("=", 2)[0].strip());
        }
        List<String> missing = new ArrayList<>();
        for (Value in : model.graph().realInputs()) {
            var shape = in.tensorType().flatMap(ValueType.TensorType::shape);
            if (shape.isEmpty()) {
                missing.add("input '" + in.name() + "' (no rank)");
                continue;
            }
            for (int i = 0; i < shape.get().size(); i++) {
                Dim d = shape.get().get(i);
                if (d instanceof Dim.Symbolic s && !given.contains(s.name())) {
                    missing.add("'" + s.name() + "' (" + in.name() + "[" + i + "])");
                } else if (d instanceof Dim.Unknown) {
                    missing.add(in.name() + "[" + i + "] (unnamed)");
                }
            }
        }
        return missing;
    }
}
