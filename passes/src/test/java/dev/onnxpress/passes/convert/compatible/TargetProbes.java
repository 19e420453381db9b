package dev.onnxpress.passes.convert.compatible;

import dev.onnxpress.passes.core.target.TargetRules;
import dev.onnxpress.passes.core.target.OutputTypes;
import dev.onnxpress.passes.core.target.TargetTable;
import dev.onnxpress.exec.InferenceRuntime;
import dev.onnxpress.exec.ModelSession;
import dev.onnxpress.exec.RuntimeRejection;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.RandomTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One tiny model per rule of {@link TargetRules}, and the measurement that turns a runtime's behaviour on
 * them into a {@link TargetTable}: a rule is "ok" when the runtime loads the probe, runs it and matches
 * ONNX Runtime within 1e-4·(1 + max|reference|); otherwise "fails" with the runtime's first line of
 * error or the mismatch measured.
 */
final class TargetProbes {
    static final long[] X = {1, 3, 4, 5};

    /** A probe model; graph outputs are typed (from ONNX Runtime) unless the probe is about untyped ones. */
    record Probe(String rule, Model model, Map<String, Tensor> feeds) {
        Probe {
            if (!rule.equals(TargetRules.UNTYPED_OUTPUTS)) {
                OutputTypes.fill(model, new dev.onnxpress.ir.Rewriter(model));
            }
        }
    }

    private TargetProbes() {
    }

    static List<Probe> all() {
        List<Probe> p = new ArrayList<>();
        for (String op : List.of("Relu", "Sigmoid", "Tanh", "Exp", "Abs", "Neg", "Erf", "Floor", "Ceil",
                "Softplus", "Softsign", "HardSigmoid", "Elu", "Selu", "LeakyRelu", "Sin", "Cos", "Sign",
                "Round", "Identity", "Celu", "ThresholdedRelu")) {
            p.add(unary(op, 13, false));
        }
        for (String op : List.of("Log", "Sqrt", "Reciprocal")) {
            p.add(unary(op, 13, true));
        }
        p.add(unary("HardSwish", 14, false));
        p.add(unary("Mish", 18, false));
        p.add(unary("Gelu", 20, false));
        for (String op : List.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean")) {
            p.add(binary(op, false));
        }
        p.add(binary("Pow", true));
        p.add(one("op:PRelu", 13, b -> b.initializer("s", RandomTensors.uniform(DataType.FLOAT, 3, 0, 0.5, 3, 1, 1))
                .node("PRelu", List.of("x", "s"), List.of("y"))));
        p.add(one("op:Conv", 13, b -> b.initializer("w", RandomTensors.random(3, 4, 3, 3, 3))
                .initializer("b", RandomTensors.random(4, 4))
                .node("Conv", List.of("x", "w", "b"), List.of("y"), Map.of("kernel_shape", Attr.ofInts(3, 3),
                        "pads", Attr.ofInts(1, 1, 1, 1)))));
        p.add(one(TargetRules.CONV_NO_KERNEL_SHAPE, 13, b -> b.initializer("w", RandomTensors.random(3, 4, 3, 3, 3))
                .node("Conv", List.of("x", "w"), List.of("y"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))));
        p.add(one("op:ConvTranspose", 13, b -> b.initializer("w", RandomTensors.random(3, 3, 2, 2, 2))
                .node("ConvTranspose", List.of("x", "w"), List.of("y"), Map.of("kernel_shape", Attr.ofInts(2, 2),
                        "strides", Attr.ofInts(2, 2)))));
        p.add(one("op:MatMul", 13, b -> b.initializer("w", RandomTensors.random(3, 5, 6))
                .node("MatMul", List.of("x", "w"), List.of("y"))));
        p.add(withInput("op:Gemm", 13, new long[] {2, 5}, b -> b.initializer("w", RandomTensors.random(3, 6, 5))
                .initializer("c", RandomTensors.random(4, 6))
                .node("Gemm", List.of("x", "w", "c"), List.of("y"), Map.of("transB", Attr.of(1L)))));
        p.add(one("op:BatchNormalization", 13, b -> b
                .initializer("sc", RandomTensors.random(3, 3)).initializer("bi", RandomTensors.random(4, 3))
                .initializer("me", RandomTensors.random(5, 3))
                .initializer("va", RandomTensors.uniform(DataType.FLOAT, 6, 0.5, 2, 3))
                .node("BatchNormalization", List.of("x", "sc", "bi", "me", "va"), List.of("y"))));
        p.add(one("op:InstanceNormalization", 13, b -> b
                .initializer("sc", RandomTensors.random(3, 3)).initializer("bi", RandomTensors.random(4, 3))
                .node("InstanceNormalization", List.of("x", "sc", "bi"), List.of("y"))));
        p.add(one("op:LayerNormalization", 17, b -> b
                .initializer("sc", RandomTensors.random(3, 5)).initializer("bi", RandomTensors.random(4, 5))
                .node("LayerNormalization", List.of("x", "sc", "bi"), List.of("y"), Map.of("axis", Attr.of(-1L)))));
        p.add(one("op:Softmax", 13, b -> b.node("Softmax", List.of("x"), List.of("y"), Map.of("axis", Attr.of(-1L)))));
        p.add(one("op:LogSoftmax", 13, b -> b.node("LogSoftmax", List.of("x"), List.of("y"),
                Map.of("axis", Attr.of(-1L)))));
        p.add(one("op:Reshape", 13, b -> b.initializer("s", Tensor.ofLongs(new long[] {3}, 1, 3, 20))
                .node("Reshape", List.of("x", "s"), List.of("y"))));
        p.add(one("op:Flatten", 13, b -> b.node("Flatten", List.of("x"), List.of("y"), Map.of("axis", Attr.of(1L)))));
        p.add(one("op:Transpose", 13, b -> b.node("Transpose", List.of("x"), List.of("y"),
                Map.of("perm", Attr.ofInts(0, 2, 3, 1)))));
        p.add(one("op:Concat", 13, b -> b.node("Relu", List.of("x"), List.of("r"))
                .node("Concat", List.of("x", "r"), List.of("y"), Map.of("axis", Attr.of(1L)))));
        p.add(one(TargetRules.CONCAT_CONSTANT, 13, b -> b.initializer("c", RandomTensors.random(3, 1, 2, 4, 5))
                .node("Concat", List.of("x", "c"), List.of("y"), Map.of("axis", Attr.of(1L)))));
        p.add(one("op:Split", 13, b -> b.initializer("s", Tensor.ofLongs(new long[] {2}, 1, 2))
                .node("Split", List.of("x", "s"), List.of("y", "z"), Map.of("axis", Attr.of(1L))), "y", "z"));
        p.add(one("op:Slice", 13, b -> b.initializer("st", Tensor.ofLongs(new long[] {2}, 1, 1))
                .initializer("en", Tensor.ofLongs(new long[] {2}, 3, 4)).initializer("ax", Tensor.ofLongs(new long[] {2}, 2, 3))
                .node("Slice", List.of("x", "st", "en", "ax"), List.of("y"))));
        p.add(withInput("op:Squeeze", 11, new long[] {1, 3, 1, 5}, b -> b.node("Squeeze", List.of("x"), List.of("y"),
                Map.of("axes", Attr.ofInts(2)))));
        p.add(withInput(TargetRules.SQUEEZE_AXES_INPUT, 13, new long[] {1, 3, 1, 5}, b -> b
                .initializer("a", Tensor.ofLongs(new long[] {1}, 2)).node("Squeeze", List.of("x", "a"), List.of("y"))));
        p.add(one("op:Unsqueeze", 11, b -> b.node("Unsqueeze", List.of("x"), List.of("y"), Map.of("axes", Attr.ofInts(2)))));
        p.add(one(TargetRules.UNSQUEEZE_AXES_INPUT, 13, b -> b.initializer("a", Tensor.ofLongs(new long[] {1}, 2))
                .node("Unsqueeze", List.of("x", "a"), List.of("y"))));
        for (String op : List.of("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2")) {
            p.add(one("op:" + op, 11, b -> b.node(op, List.of("x"), List.of("y"), Map.of("axes", Attr.ofInts(3),
                    "keepdims", Attr.of(1L)))));
        }
        p.add(one(TargetRules.REDUCE_AXES_INPUT, 18, b -> b.initializer("a", Tensor.ofLongs(new long[] {1}, 3))
                .node("ReduceMean", List.of("x", "a"), List.of("y"), Map.of("keepdims", Attr.of(1L)))));
        p.add(one("op:MaxPool", 13, b -> b.node("MaxPool", List.of("x"), List.of("y"),
                Map.of("kernel_shape", Attr.ofInts(2, 2), "strides", Attr.ofInts(2, 2)))));
        p.add(one("op:AveragePool", 13, b -> b.node("AveragePool", List.of("x"), List.of("y"),
                Map.of("kernel_shape", Attr.ofInts(2, 2), "strides", Attr.ofInts(1, 1)))));
        p.add(one("op:GlobalAveragePool", 13, b -> b.node("GlobalAveragePool", List.of("x"), List.of("y"))));
        p.add(one("op:GlobalMaxPool", 13, b -> b.node("GlobalMaxPool", List.of("x"), List.of("y"))));
        p.add(one("op:Pad", 13, b -> b.initializer("pd", Tensor.ofLongs(new long[] {8}, 0, 0, 1, 1, 0, 0, 1, 1))
                .node("Pad", List.of("x", "pd"), List.of("y"))));
        p.add(one("op:Resize", 13, b -> b.initializer("sc", Tensor.ofFloats(new long[] {4}, 1, 1, 2, 2))
                .node("Resize", List.of("x", "", "sc"), List.of("y"), Map.of("mode", Attr.of("nearest")))));
        p.add(one("op:Clip", 6, b -> b.node("Clip", List.of("x"), List.of("y"),
                Map.of("min", Attr.of(-0.5f), "max", Attr.of(0.5f)))));
        p.add(one(TargetRules.CLIP_INPUTS, 13, b -> b.initializer("lo", Tensor.scalarFloat(-0.5f))
                .initializer("hi", Tensor.scalarFloat(0.5f)).node("Clip", List.of("x", "lo", "hi"), List.of("y"))));
        p.add(one("op:Cast", 13, b -> b.node("Cast", List.of("x"), List.of("y"),
                Map.of("to", Attr.of((long) DataType.FLOAT.code())))));
        p.add(one(TargetRules.CAST_FLOAT_TO_INT, 13, b -> b.node("Cast", List.of("x"), List.of("i"),
                        Map.of("to", Attr.of((long) DataType.INT32.code())))
                .node("Cast", List.of("i"), List.of("y"), Map.of("to", Attr.of((long) DataType.FLOAT.code())))));
        p.add(one(TargetRules.FLOAT16, 13, b -> b.initializer("h", Tensor.of(DataType.FLOAT16, new long[] {5},
                        new double[] {0.5, -1, 2, 0.25, 1.5}))
                .node("Cast", List.of("x"), List.of("xh"), Map.of("to", Attr.of((long) DataType.FLOAT16.code())))
                .node("Mul", List.of("xh", "h"), List.of("yh"))
                .node("Cast", List.of("yh"), List.of("y"), Map.of("to", Attr.of((long) DataType.FLOAT.code())))));
        p.add(one("op:Expand", 13, b -> b.initializer("s", Tensor.ofLongs(new long[] {4}, 2, 3, 4, 5))
                .node("Expand", List.of("x", "s"), List.of("y"))));
        p.add(one("op:Tile", 13, b -> b.initializer("r", Tensor.ofLongs(new long[] {4}, 1, 1, 2, 1))
                .node("Tile", List.of("x", "r"), List.of("y"))));
        p.add(one("op:Gather", 13, b -> b.initializer("i", Tensor.ofLongs(new long[] {2}, 2, 0))
                .node("Gather", List.of("x", "i"), List.of("y"), Map.of("axis", Attr.of(1L)))));
        p.add(withInput("op:DepthToSpace", 13, new long[] {1, 4, 2, 3}, b -> b.node("DepthToSpace", List.of("x"),
                List.of("y"), Map.of("blocksize", Attr.of(2L)))));
        p.add(withInput("op:SpaceToDepth", 13, new long[] {1, 1, 4, 6}, b -> b.node("SpaceToDepth", List.of("x"),
                List.of("y"), Map.of("blocksize", Attr.of(2L)))));
        p.add(one("op:CumSum", 13, b -> b.initializer("a", Tensor.scalarLong(3))
                .node("CumSum", List.of("x", "a"), List.of("y"))));
        p.add(one("op:Einsum", 13, b -> b.initializer("w", RandomTensors.random(3, 5, 6))
                .node("Einsum", List.of("x", "w"), List.of("y"), Map.of("equation", Attr.of("bchw,wk->bchk")))));
        p.add(one("op:LRN", 13, b -> b.node("LRN", List.of("x"), List.of("y"), Map.of("size", Attr.of(3L)))));
        p.add(one("op:Where", 13, b -> b.initializer("z", RandomTensors.random(3, 1, 3, 4, 5))
                .node("Greater", List.of("x", "z"), List.of("m")).node("Where", List.of("m", "x", "z"), List.of("y"))));
        p.add(one("op:Dropout", 13, b -> b.node("Dropout", List.of("x"), List.of("y"))));
        p.add(symbolicDims());
        p.add(symbolicBatch());
        p.add(new Probe(TargetRules.UNTYPED_OUTPUTS, GraphBuilder.model("untyped").opset(13)
                .input("x", DataType.FLOAT, 1, 3, 4, 5).node("Relu", List.of("x"), List.of("y")).output("y").build(),
                Map.of("x", RandomTensors.uniform(DataType.FLOAT, 11, -2, 2, X))));
        return p;
    }

    /** Two branches down-sampling a map of symbolic width by 2, then joined: needs the width to agree. */
    private static Probe symbolicDims() {
        return symbolic(TargetRules.SYMBOLIC_DIMS, 1, "width");
    }

    /** The same network with a symbolic batch and a fixed width. */
    private static Probe symbolicBatch() {
        return symbolic(TargetRules.SYMBOLIC_BATCH, "batch", 8);
    }

    private static Probe symbolic(String rule, Object batch, Object width) {
        GraphBuilder b = GraphBuilder.model(rule.replaceAll("[^A-Za-z0-9]", "_")).opset(13)
                .input("x", DataType.FLOAT, batch, 2, 6, width)
                .initializer("w", RandomTensors.random(3, 2, 2, 3, 2))
                .node("AveragePool", List.of("x"), List.of("a"), Map.of("kernel_shape", Attr.ofInts(3, 2),
                        "strides", Attr.ofInts(3, 2)))
                .node("Conv", List.of("x", "w"), List.of("c"), Map.of("kernel_shape", Attr.ofInts(3, 2),
                        "strides", Attr.ofInts(3, 2)))
                .node("Concat", List.of("a", "c"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .output("y");
        return new Probe(rule, b.build(), Map.of("x", RandomTensors.random(11, 1, 2, 6, 8)));
    }

    private static Probe unary(String op, long opset, boolean positive) {
        GraphBuilder b = GraphBuilder.model(op).opset(opset).input("x", DataType.FLOAT, 1, 3, 4, 5)
                .node(op, List.of("x"), List.of("y")).output("y");
        Tensor x = positive ? RandomTensors.uniform(DataType.FLOAT, 11, 0.1, 2, X)
                : RandomTensors.uniform(DataType.FLOAT, 11, -2, 2, X);
        return new Probe("op:" + op, b.build(), Map.of("x", x));
    }

    private static Probe binary(String op, boolean positive) {
        return one("op:" + op, 13, b -> b.initializer("z", positive
                        ? RandomTensors.uniform(DataType.FLOAT, 12, 0.5, 2, 1, 3, 4, 5)
                        : RandomTensors.uniform(DataType.FLOAT, 12, 0.5, 2, 1, 3, 4, 5))
                .node(op, List.of("x", "z"), List.of("y")), positive);
    }

    private static Probe one(String rule, long opset, UnaryOperator<GraphBuilder> body, boolean positive) {
        GraphBuilder b = body.apply(GraphBuilder.model(rule.replaceAll("[^A-Za-z0-9]", "_")).opset(opset)
                .input("x", DataType.FLOAT, 1, 3, 4, 5)).output("y");
        Tensor x = positive ? RandomTensors.uniform(DataType.FLOAT, 11, 0.1, 2, X)
                : RandomTensors.uniform(DataType.FLOAT, 11, -2, 2, X);
        return new Probe(rule, b.build(), Map.of("x", x));
    }

    private static Probe one(String rule, long opset, UnaryOperator<GraphBuilder> body) {
        return one(rule, opset, body, false);
    }

    private static Probe one(String rule, long opset, UnaryOperator<GraphBuilder> body, String... outputs) {
        GraphBuilder b = body.apply(GraphBuilder.model(rule.replaceAll("[^A-Za-z0-9]", "_")).opset(opset)
                .input("x", DataType.FLOAT, 1, 3, 4, 5));
        for (String o : outputs) {
            b.output(o);
        }
        return new Probe(rule, b.build(), Map.of("x", RandomTensors.uniform(DataType.FLOAT, 11, -2, 2, X)));
    }

    private static Probe withInput(String rule, long opset, long[] dims, UnaryOperator<GraphBuilder> body) {
        Object[] d = java.util.Arrays.stream(dims).boxed().toArray();
        GraphBuilder b = body.apply(GraphBuilder.model(rule.replaceAll("[^A-Za-z0-9]", "_")).opset(opset)
                .input("x", DataType.FLOAT, d)).output("y");
        return new Probe(rule, b.build(), Map.of("x", RandomTensors.uniform(DataType.FLOAT, 11, -2, 2, dims)));
    }

    /** The verdict of one probe in {@code runtime}, against ONNX Runtime on the same model. */
    static TargetTable.Row measure(InferenceRuntime runtime, Probe p) {
        byte[] bytes = ModelWriter.toBytes(p.model());
        Map<String, Tensor> expected;
        try (ModelSession s = InferenceRuntime.named("ort").orElseThrow().open(bytes)) {
            expected = s.run(p.feeds());
        }
        Map<String, Tensor> got;
        try (ModelSession s = runtime.open(bytes)) {
            got = s.run(p.feeds());
        } catch (RuntimeRejection e) {
            return new TargetTable.Row(p.rule(), false, e.getMessage());
        }
        for (var e : expected.entrySet()) {
            float[] want = e.getValue().toFloatArray();
            Tensor t = got.get(e.getKey());
            if (t == null || t.elementCount() != want.length) {
                return new TargetTable.Row(p.rule(), false, "output '" + e.getKey() + "' has "
                        + (t == null ? "no value" : t.elementCount() + " values, not " + want.length));
            }
            float[] have = t.toFloatArray();
            double maxRef = 0;
            double maxErr = 0;
            for (int i = 0; i < want.length; i++) {
                maxRef = Math.max(maxRef, Math.abs(want[i]));
                maxErr = Math.max(maxErr, Math.abs((double) want[i] - have[i]));
            }
            if (!(maxErr <= 1e-4 * (1 + maxRef))) {
                return new TargetTable.Row(p.rule(), false, String.format(java.util.Locale.ROOT,
                        "output '%s' differs from ONNX Runtime: max_abs_error %.3g", e.getKey(), maxErr));
            }
        }
        return new TargetTable.Row(p.rule(), true, "");
    }

    /** Every probe measured in {@code runtime}. */
    static TargetTable measureAll(InferenceRuntime runtime) {
        Map<String, TargetTable.Row> rows = new LinkedHashMap<>();
        for (Probe p : all()) {
            rows.put(p.rule(), measure(runtime, p));
        }
        return new TargetTable(runtime.name(), runtime.description(), rows);
    }
}
