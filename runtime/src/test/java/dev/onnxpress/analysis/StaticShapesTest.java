package dev.onnxpress.analysis;

import static dev.onnxpress.testing.RandomTensors.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StaticShapesTest {

    static Tensor longs(long... v) {
        return Tensor.ofLongs(new long[] {v.length}, v);
    }

    /** x[2,3,9,7] → one op → y: the inferred shape of y must be the one ONNX Runtime produces. */
    static Stream<Arguments> ops() {
        return Stream.of(
                op("Conv pads strides", 13, b -> b.initializer("w", random(1, 5, 3, 3, 2))
                        .node("Conv", List.of("x", "w"), List.of("y"), Map.of("pads", Attr.ofInts(1, 0, 1, 1),
                                "strides", Attr.ofInts(2, 2)))),
                op("Conv SAME_UPPER", 13, b -> b.initializer("w", random(1, 4, 3, 3, 3))
                        .node("Conv", List.of("x", "w"), List.of("y"), Map.of("auto_pad", Attr.of("SAME_UPPER"),
                                "strides", Attr.ofInts(2, 3)))),
                op("Conv dilated", 13, b -> b.initializer("w", random(1, 4, 3, 3, 3))
                        .node("Conv", List.of("x", "w"), List.of("y"), Map.of("dilations", Attr.ofInts(2, 1)))),
                op("MaxPool ceil", 13, b -> b.node("MaxPool", List.of("x"), List.of("y"),
                        Map.of("kernel_shape", Attr.ofInts(2, 2), "strides", Attr.ofInts(2, 2), "ceil_mode", Attr.of(1L)))),
                op("AveragePool", 13, b -> b.node("AveragePool", List.of("x"), List.of("y"),
                        Map.of("kernel_shape", Attr.ofInts(3, 3), "pads", Attr.ofInts(1, 1, 1, 1)))),
                op("GlobalAveragePool", 13, b -> b.node("GlobalAveragePool", List.of("x"), List.of("y"))),
                op("Add broadcast", 13, b -> b.initializer("c", random(2, 9, 1))
                        .node("Add", List.of("x", "c"), List.of("y"))),
                op("Reshape 0 -1", 13, b -> b.initializer("s", longs(0, -1, 7))
                        .node("Reshape", List.of("x", "s"), List.of("y"))),
                op("Transpose", 13, b -> b.node("Transpose", List.of("x"), List.of("y"),
                        Map.of("perm", Attr.ofInts(0, 2, 3, 1)))),
                op("Concat", 13, b -> b.node("Concat", List.of("x", "x"), List.of("y"), Map.of("axis", Attr.of(-3L)))),
                op("Flatten", 13, b -> b.node("Flatten", List.of("x"), List.of("y"), Map.of("axis", Attr.of(2L)))),
                op("MatMul batched", 13, b -> b.initializer("w", random(3, 7, 4))
                        .node("MatMul", List.of("x", "w"), List.of("y"))),
                op("Unsqueeze 13", 13, b -> b.initializer("a", longs(-1, 1))
                        .node("Unsqueeze", List.of("x", "a"), List.of("y"))),
                op("Squeeze 11", 11, b -> b.initializer("s", longs(2, 3, 1, 63)).node("Reshape", List.of("x", "s"),
                        List.of("r")).node("Squeeze", List.of("r"), List.of("y"), Map.of("axes", Attr.ofInts(2)))),
                op("Slice negative step", 13, b -> b.initializer("st", longs(-1, 1)).initializer("en", longs(-100, 6))
                        .initializer("ax", longs(2, 3)).initializer("sp", longs(-2, 2))
                        .node("Slice", List.of("x", "st", "en", "ax", "sp"), List.of("y"))),
                op("Resize scales", 13, b -> b.initializer("scales", Tensor.ofFloats(new long[] {4}, 1, 1, 2, 1.5f))
                        .node("Resize", List.of("x", "", "scales"), List.of("y"), Map.of("mode", Attr.of("nearest")))),
                op("ReduceMean keepdims 0", 13, b -> b.node("ReduceMean", List.of("x"), List.of("y"),
                        Map.of("axes", Attr.ofInts(1, -1), "keepdims", Attr.of(0L)))),
                op("Gather", 13, b -> b.initializer("i", Tensor.ofLongs(new long[] {2, 2}, 0, 1, 2, 0))
                        .node("Gather", List.of("x", "i"), List.of("y"), Map.of("axis", Attr.of(1L)))));
    }

    static Arguments op(String name, long opset, UnaryOperator<GraphBuilder> body) {
        return Arguments.of(name, opset, body);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void infersWhatOrtComputes(String name, long opset, UnaryOperator<GraphBuilder> body) {
        Model m = body.apply(GraphBuilder.model("op").opset(opset).input("x", DataType.FLOAT, 2, 3, 9, 7))
                .output("y").build();
        Value y = m.graph().outputs().get(0);
        long[] inferred = StaticShapes.infer(m.graph(), opset).knownDims(y).orElseThrow();
        long[] actual = OrtEquivalence.capture(m).reference().get("y").dims();
        assertArrayEquals(actual, inferred, name);
    }

    @Test
    void symbolicDimsStayUnknown() {
        Model m = GraphBuilder.model("sym").input("x", DataType.FLOAT, "batch", 3, 8, 8)
                .initializer("w", random(1, 4, 3, 3, 3))
                .node("Conv", List.of("x", "w"), List.of("c"))
                .node("Flatten", List.of("c"), List.of("y"))
                .output("y").build();
        StaticShapes s = StaticShapes.infer(m.graph(), 13);
        Value c = m.graph().nodes().get(0).output();
        assertArrayEquals(new long[] {-1, 4, 6, 6}, s.dims(c).orElseThrow());
        assertTrue(s.knownDims(c).isEmpty());
        assertArrayEquals(new long[] {-1, 144}, s.dims(m.graph().outputs().get(0)).orElseThrow());
    }

    @Test
    void unknownOpsAndNonConstantShapesLeaveTheRankUnknown() {
        Model m = GraphBuilder.model("dyn").input("x", DataType.FLOAT, 2, 3).input("s", DataType.INT64, 2)
                .node("Reshape", List.of("x", "s"), List.of("r"))
                .node("NonZero", List.of("x"), List.of("y"))
                .output("r").output("y").build();
        StaticShapes s = StaticShapes.infer(m.graph(), 13);
        assertTrue(s.rank(m.graph().outputs().get(0)).isEmpty());
        assertTrue(s.rank(m.graph().outputs().get(1)).isEmpty());
        assertEquals(2, s.rank(m.graph().inputs().get(0)).orElseThrow());
    }
}
