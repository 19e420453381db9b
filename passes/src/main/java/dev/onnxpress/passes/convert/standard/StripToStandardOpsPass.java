/*
 * strip_to_standard_ops: leaves only default-domain ONNX ops, so any runtime can load the model.
 *
 *   com.microsoft.FusedConv(x, W, B){activation="Relu"}   ⇒ Relu(Conv(x, W, B))
 *   com.microsoft.FusedGemm(A, B, C){activation="LeakyRelu", activation_alpha=0.1}
 *                                                          ⇒ LeakyRelu(Gemm(A, B, C), 0.1)
 *   com.microsoft.Gelu(x)                                  ⇒ 0.5·x·(1 + Erf(x/√2))
 *   com.microsoft.FastGelu / BiasGelu / QuickGelu          ⇒ Tanh / Erf / Sigmoid chains
 *   anything else outside the default domain               ⇒ PassException naming node and domain
 *
 * FusedConv's optional fourth input Z (a residual sum) is added before the activation, as ORT does.
 * Activations: Relu, Tanh, Sigmoid, LeakyRelu(alpha), Clip(min, max) (attributes before opset 11,
 * inputs after), HardSigmoid(alpha, beta). ai.onnx.ml ops are accepted unless allow_ml=false. The model
 * is checked completely before anything changes, so a failure leaves it untouched. Exact up to float
 * round-off (Erf/Tanh chains are the formulas ORT's kernels evaluate).
 */
package dev.onnxpress.passes.convert.standard;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassSpec;
import dev.onnxpress.passes.Statistic;
import dev.onnxpress.passes.convert.Decompositions;
import dev.onnxpress.passes.core.ElementTypes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Rewrites contrib ops to standard ones, or fails naming the op that would block other runtimes. */
@PassSpec(id = StripToStandardOpsPass.ID,
        summary = "Rewrite contrib ops (FusedConv, FusedGemm, Gelu…) to standard ONNX; fail on ops with no equivalent",
        traits = {PassInfo.Trait.PRESERVES_SEMANTICS, PassInfo.Trait.IDEMPOTENT},
        statistics = {
                @Statistic(name = "nodes_rewritten", doc = "contrib-domain nodes rewritten as standard ONNX")})
public final class StripToStandardOpsPass implements Pass<StripToStandardOpsOptions> {
    public static final String ID = "strip_to_standard_ops";
    static final String MS = "com.microsoft";
    private static final Set<String> REWRITABLE = Set.of("FusedConv", "FusedGemm", "Gelu", "FastGelu", "BiasGelu",
            "QuickGelu");
    private static final Set<String> ACTIVATIONS = Set.of("Relu", "Tanh", "Sigmoid", "LeakyRelu", "Clip",
            "HardSigmoid");

    @Override
    public PassResult run(Model model, StripToStandardOpsOptions options, PassContext ctx) {
        List<Node> todo = new ArrayList<>();
        for (Node n : model.graph().allNodes()) {
            if (n.isStandard() || options.allow_ml() && n.domain().equals("ai.onnx.ml")) {
                continue;
            }
            if (!n.domain().equals(MS) || !REWRITABLE.contains(n.opType())) {
                throw new PassException(ID, "node '" + n.label() + "' is " + n.domain() + "." + n.opType()
                        + ", a non-standard op other runtimes cannot run, and it has no standard equivalent here");
            }
            String act = n.attrString("activation", "");
            if ((n.opType().startsWith("Fused")) && !ACTIVATIONS.contains(act)) {
                throw new PassException(ID, "node '" + n.label() + "' is " + n.domain() + "." + n.opType()
                        + " with activation '" + act + "', which has no standard equivalent here");
            }
            todo.add(n);
        }
        Rewriter rw = new Rewriter(model);
        ElementTypes types = ElementTypes.of(model.graph());
        long opset = model.defaultOpset();
        for (Node n : todo) {
            DataType dt = types.of(n.input(0)).orElse(DataType.FLOAT);
            switch (n.opType()) {
                case "FusedConv" -> fused(rw, n, "Conv", Set.of("auto_pad", "dilations", "group", "kernel_shape",
                        "pads", "strides"), 3, dt, opset);
                case "FusedGemm" -> fused(rw, n, "Gemm", Set.of("alpha", "beta", "transA", "transB"), 3, dt, opset);
                default -> Decompositions.expand(rw, n, opset, dt).orElseThrow(() -> new PassException(ID,
                        "node '" + n.label() + "' (" + n.opType() + ") needs Erf, which opset " + opset + " lacks"));
            }
        }
        return PassResult.builder().add("nodes_rewritten", todo.size()).build(!todo.isEmpty());
    }

    private static void fused(Rewriter rw, Node n, String op, Set<String> keep, int coreInputs, DataType dt,
            long opset) {
        Graph g = n.graph();
        Map<String, Attr> attrs = new LinkedHashMap<>();
        for (Map.Entry<String, Attr> e : n.attrs().entrySet()) {
            if (keep.contains(e.getKey())) {
                attrs.put(e.getKey(), e.getValue());
            }
        }
        List<Value> ins = new ArrayList<>(n.inputs().subList(0, Math.min(coreInputs, n.inputCount())));
        Value y = rw.add(g, op, n.label() + "_" + op, ins, attrs);
        if (op.equals("Conv") && n.hasInput(3)) {
            y = rw.add(g, "Add", n.label() + "_sum", List.of(y, n.input(3)), Map.of());
        }
        String act = n.attrString("activation", "");
        float[] params = n.attrFloats("activation_params").orElse(new float[0]);
        Map<String, Attr> a = new LinkedHashMap<>();
        List<Value> actIns = new ArrayList<>(List.of(y));
        switch (act) {
            case "LeakyRelu" -> a.put("alpha", Attr.of(param(n, params, 0, "activation_alpha", 0.01f)));
            case "HardSigmoid" -> {
                a.put("alpha", Attr.of(param(n, params, 0, "activation_alpha", 0.2f)));
                a.put("beta", Attr.of(param(n, params, 1, "activation_beta", 0.5f)));
            }
            case "Clip" -> {
                float lo = param(n, params, 0, "activation_alpha", Float.NEGATIVE_INFINITY);
                float hi = param(n, params, 1, "activation_beta", Float.POSITIVE_INFINITY);
                if (opset < 11) {
                    a.put("min", Attr.of(lo));
                    a.put("max", Attr.of(hi));
                } else {
                    actIns.add(rw.addInitializer(g, n.label() + "_min", Tensor.of(dt, new long[0], new double[] {lo})));
                    actIns.add(rw.addInitializer(g, n.label() + "_max", Tensor.of(dt, new long[0], new double[] {hi})));
                }
            }
            default -> {
            }
        }
        Value out = rw.add(g, act, n.label() + "_" + act, actIns, a);
        Decompositions.takeOver(rw, n, out);
    }

    /** FusedConv carries activation_params; FusedGemm carries activation_alpha/beta. */
    private static float param(Node n, float[] params, int i, String named, float dflt) {
        if (i < params.length) {
            return params[i];
        }
        return n.attrFloat(named, dflt);
    }
}
