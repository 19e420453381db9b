package dev.onnxpress.passes.fold.constants;

import static dev.onnxpress.passes.fold.FoldFixtures.count;
import static dev.onnxpress.passes.fold.FoldFixtures.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FoldConstantsPassTest {

    static PassResult fold(Model m) {
        return new FoldConstantsPass().run(m, PassOptions.defaults(FoldConstantsOptions.class), new NoDataContext());
    }

    static PassResult fold(Model m, long maxBytes) {
        return new FoldConstantsPass().run(m, new FoldConstantsOptions(maxBytes), new NoDataContext());
    }

    static Map<String, Attr> attrs(Object... kv) {
        Map<String, Attr> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            m.put((String) kv[i], v instanceof long[] l ? Attr.ofInts(l) : v instanceof Tensor t ? Attr.of(t)
                    : v instanceof Float f ? Attr.of(f) : Attr.of(((Number) v).longValue()));
        }
        return m;
    }

    static Tensor longs(long... v) {
        return Tensor.ofLongs(new long[] {v.length}, v);
    }

    @Test
    void foldsAShapeChainOfAStaticInput() {
        Model m = GraphBuilder.model("shape").input("x", DataType.FLOAT, 2, 3, 4, 4)
                .initializer("zero", Tensor.scalarLong(0)).initializer("axes", longs(0))
                .initializer("minus1", longs(-1))
                .node("Shape", List.of("x"), List.of("s"))
                .node("Gather", List.of("s", "zero"), List.of("n"))
                .node("Unsqueeze", List.of("n", "axes"), List.of("n1"))
                .node("Concat", List.of("n1", "minus1"), List.of("shape"), attrs("axis", 0))
                .node("Reshape", List.of("x", "shape"), List.of("y"))
                .output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = fold(m);
        assertEquals(List.of("Reshape"), m.graph().nodes().stream().map(Node::opType).toList());
        assertEquals(4L, r.statistics().get("nodes_folded"));
        assertEquals(1, m.graph().initializers().size(), "only the folded shape is left");
        before.assertBitIdentical(m);
    }

    @Test
    void leavesShapeOfADynamicInputAlone() {
        Model m = GraphBuilder.model("dyn").input("x", DataType.FLOAT, "batch", 3)
                .node("Shape", List.of("x"), List.of("s")).output("s").build();
        assertFalse(fold(m).changed());
    }

    @Test
    void foldsShapeOfAnInferredStaticShape() {
        // the Conv output has no declared type: its shape [1,4,4,4] is inferred
        Model m = GraphBuilder.model("inferred").input("x", DataType.FLOAT, 1, 3, 8, 8)
                .initializer("w", random(1, 4, 3, 3, 3)).initializer("one", Tensor.scalarLong(1))
                .initializer("axes", longs(0)).initializer("minus1", longs(-1))
                .node("Conv", List.of("x", "w"), List.of("c"), attrs("pads", new long[] {1, 1, 1, 1},
                        "strides", new long[] {2, 2}))
                .node("Shape", List.of("c"), List.of("s"))
                .node("Gather", List.of("s", "one"), List.of("n"))
                .node("Unsqueeze", List.of("n", "axes"), List.of("n1"))
                .node("Concat", List.of("n1", "minus1"), List.of("shape"), attrs("axis", 0))
                .node("Reshape", List.of("c", "shape"), List.of("y"))
                .output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(List.of("Conv", "Reshape"), m.graph().nodes().stream().map(Node::opType).toList());
        before.assertBitIdentical(m);
    }

    @Test
    void keepsShapeOfASymbolicBatchButFoldsTheKnownDims() {
        // Reshape(c, Concat(Shape(c)[0:1], [-1])): the batch is unknown, but it is c's own dim 0 → 0 (copy)
        Model m = GraphBuilder.model("partial").opset(13).input("x", DataType.FLOAT, "batch", 3, 8, 8)
                .initializer("w", random(1, 4, 3, 3, 3)).initializer("s0", longs(0)).initializer("e1", longs(1))
                .initializer("minus1", longs(-1)).initializer("two", Tensor.scalarLong(2))
                .node("Conv", List.of("x", "w"), List.of("c"))
                .node("Shape", List.of("c"), List.of("s"))
                .node("Cast", List.of("s"), List.of("s32"), attrs("to", 6L))
                .node("Slice", List.of("s32", "s0", "e1"), List.of("b32"))
                .node("Cast", List.of("b32"), List.of("b"), attrs("to", 7L))
                .node("Concat", List.of("b", "minus1"), List.of("shape"), attrs("axis", 0))
                .node("Reshape", List.of("c", "shape"), List.of("y"))
                .node("Gather", List.of("s", "two"), List.of("h"))
                .output("y").output("h").build();
        OrtEquivalence before = OrtEquivalence.capture(m, OrtEquivalence.randomFeeds(m, 1, Map.of("batch", 2L)));
        fold(m);
        assertEquals(Map.of("Conv", 1, "Reshape", 1, "Constant", 1), m.graph().opHistogram());
        before.assertBitIdentical(m);
        // the graph output h (the known dim 2 = 6) became a Constant
        assertTrue(m.graph().outputs().get(1).producer().orElseThrow().is("Constant"));
    }

    @Test
    void leavesAShapeWhoseUnknownDimIsNeeded() {
        Model m = GraphBuilder.model("unknown").opset(13).input("x", DataType.FLOAT, "batch", 3)
                .initializer("zero", Tensor.scalarLong(0))
                .node("Relu", List.of("x"), List.of("r"))
                .node("Shape", List.of("r"), List.of("s"))
                .node("Gather", List.of("s", "zero"), List.of("n"))
                .output("n").build();
        fold(m);
        assertEquals(List.of("Relu", "Shape", "Gather"), m.graph().nodes().stream().map(Node::opType).toList());
    }

    /** One op on constant inputs: folding must give exactly what ORT computes. */
    static Stream<Arguments> ops() {
        Tensor f = random(1, 2, 3, 4);
        Tensor i64 = Tensor.ofLongs(new long[] {2, 3}, -5, 7, 0, 3, -2, 9);
        Tensor i32 = Tensor.ofInts(new long[] {3}, 7, -7, 2);
        return Stream.of(
                op("Cast float->int64", 13, List.of(Tensor.ofFloats(new long[] {4}, -2.7f, 2.7f, 0.5f, -0.5f)),
                        "Cast", attrs("to", 7L)),
                op("Cast int64->float", 13, List.of(i64), "Cast", attrs("to", 1L)),
                op("Cast int64->bool", 13, List.of(i64), "Cast", attrs("to", 9L)),
                op("Gather negative", 13, List.of(f, longs(-1, 0)), "Gather", attrs("axis", 1L)),
                op("Gather scalar", 13, List.of(i64, Tensor.scalarLong(1)), "Gather", attrs()),
                op("Unsqueeze 11", 11, List.of(i64), "Unsqueeze", attrs("axes", new long[] {0, -1})),
                op("Unsqueeze 13", 13, List.of(i64, longs(1)), "Unsqueeze", attrs()),
                op("Squeeze 13", 13, List.of(random(2, 1, 3, 1), longs(0)), "Squeeze", attrs()),
                op("Squeeze all", 11, List.of(random(2, 1, 3, 1)), "Squeeze", attrs()),
                op("Concat", 13, List.of(f, random(3, 2, 1, 4)), "Concat", attrs("axis", -2L)),
                op("Reshape 0,-1", 13, List.of(f, longs(0, -1)), "Reshape", attrs()),
                op("Flatten", 13, List.of(f), "Flatten", attrs("axis", 2L)),
                op("Transpose", 13, List.of(f), "Transpose", attrs("perm", new long[] {2, 0, 1})),
                op("Transpose default", 13, List.of(f), "Transpose", attrs()),
                op("Slice", 13, List.of(f, longs(1, -1), longs(Long.MAX_VALUE, -4), longs(1, 2), longs(1, -2)),
                        "Slice", attrs()),
                op("Slice 9", 9, List.of(f), "Slice", attrs("starts", new long[] {0, 1}, "ends", new long[] {1, 3},
                        "axes", new long[] {0, 2})),
                op("Add int64", 13, List.of(i64, longs(1, 2, 3)), "Add", attrs()),
                op("Div int64", 13, List.of(i64, longs(2, -3, 4)), "Div", attrs()),
                op("Div int32", 13, List.of(i32, Tensor.ofInts(new long[0], 2)), "Div", attrs()),
                op("Mul float", 13, List.of(f, random(4, 3, 1)), "Mul", attrs()),
                op("Sub float", 13, List.of(f, random(5, 4)), "Sub", attrs()),
                op("Div float", 13, List.of(f, random(DataType.FLOAT, 6, 0.5, 2, 4)), "Div", attrs()),
                op("Equal", 13, List.of(i64, longs(0, 3, 9)), "Equal", attrs()),
                op("Less", 13, List.of(f, random(7, 4)), "Less", attrs()),
                op("Where", 13, List.of(Tensor.ofBytes(DataType.BOOL, new long[] {3}, (byte) 1, (byte) 0, (byte) 1),
                        i64, longs(100)), "Where", attrs()),
                op("Range int", 13, List.of(Tensor.scalarLong(2), Tensor.scalarLong(-7), Tensor.scalarLong(-3)),
                        "Range", attrs()),
                op("Range float", 13, List.of(Tensor.scalarFloat(0.5f), Tensor.scalarFloat(3f),
                        Tensor.scalarFloat(0.75f)), "Range", attrs()),
                op("ConstantOfShape", 13, List.of(longs(2, 3)), "ConstantOfShape",
                        attrs("value", Tensor.ofLongs(new long[] {1}, 7))),
                op("ConstantOfShape default", 13, List.of(longs(3)), "ConstantOfShape", attrs()),
                op("Expand", 13, List.of(random(8, 3, 1), longs(2, 1, 4)), "Expand", attrs()),
                op("ReduceProd", 13, List.of(i64), "ReduceProd", attrs("axes", new long[] {1}, "keepdims", 0L)),
                op("ReduceProd all", 13, List.of(f), "ReduceProd", attrs()),
                op("ReduceProd 18", 18, List.of(f, longs(0, 2)), "ReduceProd", attrs()),
                op("Neg", 13, List.of(i64), "Neg", attrs()),
                op("Max", 13, List.of(f, random(9, 4)), "Max", attrs()),
                op("Shape of constant", 15, List.of(f), "Shape", attrs("start", -2L)),
                op("Size", 13, List.of(f), "Size", attrs()),
                op("Identity", 13, List.of(i32), "Identity", attrs()),
                // no built-in evaluation: ONNX Runtime computes these
                op("Sqrt via ORT", 13, List.of(random(DataType.FLOAT, 10, 0, 4, 5)), "Sqrt", attrs()),
                op("Tile via ORT", 13, List.of(i64, longs(2, 1)), "Tile", attrs()));
    }

    static Arguments op(String name, long opset, List<Tensor> inputs, String opType, Map<String, Attr> attrs) {
        return Arguments.of(name, opset, inputs, opType, attrs);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void foldsLikeOnnxRuntime(String name, long opset, List<Tensor> inputs, String opType, Map<String, Attr> attrs) {
        GraphBuilder b = GraphBuilder.model("op").opset(opset).input("x", DataType.FLOAT, 1);
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            b.initializer("c" + i, inputs.get(i));
            names.add("c" + i);
        }
        // the graph also computes Relu(x) so it keeps a real input
        Model m = b.node(opType, names, List.of("y"), attrs)
                .node("Relu", List.of("x"), List.of("x1"))
                .output("y").output("x1").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = fold(m);
        assertEquals(1L, r.statistics().get("nodes_folded"), r.skips().toString());
        assertEquals(0, count(m, opType));
        if (name.startsWith("ReduceProd") && inputs.get(0).dataType() == DataType.FLOAT) {
            // ORT multiplies in float, in its own order; the fold multiplies in double and rounds once
            dev.onnxpress.passes.fold.FoldFixtures.assertClose(before, m, 1e-6);
        } else {
            before.assertBitIdentical(m);
        }
        assertEquals("y", m.graph().outputs().get(0).name());
    }

    @Test
    void resultsFeedingOtherNodesBecomeInitializers() {
        Model m = GraphBuilder.model("init").input("x", DataType.FLOAT, 2, 3)
                .initializer("a", random(1, 3)).initializer("b", random(2, 3))
                .node("Add", List.of("a", "b"), List.of("ab"))
                .node("Mul", List.of("x", "ab"), List.of("y")).output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(1, m.graph().nodeCount());
        assertEquals(List.of("ab"), m.graph().initializers().keySet().stream().map(v -> v.name()).toList(),
                "a and b are dropped, the result keeps the folded value's name");
        before.assertBitIdentical(m);
    }

    @Test
    void mainGraphConstantNodesBecomeInitializers() {
        Model m = GraphBuilder.model("const").input("x", DataType.FLOAT, 3)
                .constant("k", random(1, 3))
                .node("Mul", List.of("x", "k"), List.of("y")).output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        assertTrue(fold(m).changed());
        assertEquals(0, count(m, "Constant"));
        assertEquals(1, m.graph().initializers().size());
        before.assertBitIdentical(m);
    }

    @Test
    void sizeGuardKeepsSmallTensorsFromExpanding() {
        Model m = GraphBuilder.model("big").input("x", DataType.FLOAT, 1000, 1000)
                .initializer("shape", longs(1000, 1000)).initializer("one", Tensor.ofFloats(new long[] {1}, 2f))
                .node("ConstantOfShape", List.of("shape"), List.of("c"), attrs("value",
                        Tensor.ofFloats(new long[] {1}, 3f)))
                .node("Expand", List.of("one", "shape"), List.of("e"))
                .node("Add", List.of("x", "c"), List.of("y0"))
                .node("Add", List.of("y0", "e"), List.of("y")).output("y").build();
        PassResult r = fold(m, 1 << 20);
        assertFalse(r.changed());
        assertEquals(2, r.skips().size());
        assertTrue(r.skips().get(0).reason().contains("max_bytes"), r.skips().toString());
        PassResult big = fold(m, 8 << 20);
        assertEquals(2L, big.statistics().get("nodes_folded"));
    }

    @Test
    void aCodebookDecodeChainStaysEncodedUnderTheDefaultGuard() {
        byte[] idx = new byte[64 * 64];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = (byte) (i % 16);
        }
        float[] codebook = new float[16];
        for (int i = 0; i < 16; i++) {
            codebook[i] = i * 0.125f - 1f;
        }
        Model m = GraphBuilder.model("shared").opset(13).input("x", DataType.FLOAT, 2, 64)
                .initializer("idx", Tensor.ofBytes(DataType.UINT8, new long[] {64, 64}, idx))
                .initializer("codebook", Tensor.ofFloats(new long[] {16}, codebook))
                .node("Cast", List.of("idx"), List.of("idx32"), Map.of("to", Attr.of((long) DataType.INT32.code())))
                .node("Gather", List.of("codebook", "idx32"), List.of("w"))
                .node("MatMul", List.of("x", "w"), List.of("y")).output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = new FoldConstantsPass().run(m, PassOptions.defaults(FoldConstantsOptions.class),
                new NoDataContext());
        assertFalse(r.changed(), "the uint8 indices must not become a 16 KB float weight");
        assertEquals(1, count(m, "Gather"));
        assertTrue(r.skips().stream().allMatch(k -> k.reason().contains("max_bytes")), r.skips().toString());
        before.assertBitIdentical(m);
    }

    @Test
    void aTransposeOfAWeightIsNotLargerThanItsInputAndFolds() {
        Model m = GraphBuilder.model("t").input("x", DataType.FLOAT, 2, 300)
                .initializer("w", random(1, 1000, 300))
                .node("Transpose", List.of("w"), List.of("wt"))
                .node("MatMul", List.of("x", "wt"), List.of("y")).output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = fold(m, 1024);
        assertEquals(1L, r.statistics().get("nodes_folded"));
        // MatMul may pick another kernel for a constant B: equal up to float round-off
        dev.onnxpress.passes.fold.FoldFixtures.assertClose(before, m, 1e-6);
    }

    @Test
    void foldsInsideSubgraphsIntoConstantNodes() {
        Consumer<GraphBuilder> then = t -> t.constant("k", random(1, 3))
                .node("Neg", List.of("k"), List.of("nk"))
                .node("Add", List.of("x", "nk"), List.of("tb")).output("tb");
        Model m = GraphBuilder.model("if").input("x", DataType.FLOAT, 3).input("cond", DataType.BOOL)
                .ifNode("cond", List.of("y"), then,
                        e -> e.node("Identity", List.of("x"), List.of("eb")).output("eb"))
                .output("y").build();
        Map<String, Tensor> feeds = Map.of("x", random(3, 3),
                "cond", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) 1));
        OrtEquivalence before = OrtEquivalence.capture(m, feeds);
        PassResult r = fold(m);
        assertEquals(1L, r.statistics().get("nodes_folded"));
        Graph sub = m.graph().nodes().get(0).attr("then_branch").orElseThrow().subgraphs().get(0);
        assertEquals(List.of("Constant", "Add"), sub.nodes().stream().map(Node::opType).toList());
        before.assertBitIdentical(m);
    }

    @Test
    void leavesRandomAndQuantizationOpsAlone() {
        Model m = GraphBuilder.model("keep").input("x", DataType.FLOAT, 4)
                .initializer("q", Tensor.ofBytes(DataType.INT8, new long[] {4}, (byte) 1, (byte) -1, (byte) 0,
                        (byte) 1))
                .initializer("s", Tensor.scalarFloat(0.5f))
                .node("DequantizeLinear", List.of("q", "s"), List.of("w"))
                .node("RandomNormal", List.of(), List.of("r"), Map.of("shape", Attr.ofInts(4)))
                .node("Add", List.of("x", "w"), List.of("y0"))
                .node("Add", List.of("y0", "r"), List.of("y")).output("y").build();
        assertFalse(fold(m).changed());
        assertEquals(4, m.graph().nodeCount());
    }

    @Test
    void idempotent() {
        Model m = GraphBuilder.model("idem").input("x", DataType.FLOAT, 2, 3)
                .initializer("a", random(1, 3)).constant("b", random(2, 3))
                .node("Add", List.of("a", "b"), List.of("ab"))
                .node("Mul", List.of("x", "ab"), List.of("y")).output("y").build();
        assertTrue(fold(m).changed());
        assertFalse(fold(m).changed());
    }
}
