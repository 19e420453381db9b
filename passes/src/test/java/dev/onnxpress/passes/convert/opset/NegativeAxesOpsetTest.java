package dev.onnxpress.passes.convert.opset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Axes count from the back (negative values) only from opset 11: going below 11 they become
 * {@code axis + rank} from the known shapes, and a node whose rank is unknown is refused by name.
 */
class NegativeAxesOpsetTest {
    private static final ConvertOpsetPass PASS = new ConvertOpsetPass();

    private static void convert(Model m, int target) {
        PASS.run(m, new ConvertOpsetOptions(target), new NoDataContext());
        assertThat(m.defaultOpset()).isEqualTo(target);
    }

    private static Tensor longs(long... v) {
        return Tensor.ofLongs(new long[] {v.length}, v);
    }

    /** Opset 13, every op family that took negative axes at 11, each with a negative axis. */
    static Model negativeAxes() {
        return GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 3, 4)
                .initializer("gi", longs(-1, 0))
                .initializer("ua", longs(-1))
                .initializer("sp", longs(1, 3))
                .initializer("s0", longs(1)).initializer("s1", longs(3)).initializer("sa", longs(-1))
                .node("Concat", List.of("x", "x"), List.of("c"), Map.of("axis", Attr.of(-1L)))
                .node("Flatten", List.of("c"), List.of("f"), Map.of("axis", Attr.of(-1L)))
                .node("Gather", List.of("x", "gi"), List.of("g"), Map.of("axis", Attr.of(-2L)))
                .node("ArgMax", List.of("x"), List.of("am"), Map.of("axis", Attr.of(-1L)))
                .node("ReduceMean", List.of("x"), List.of("rm"), Map.of("axes", Attr.ofInts(-1), "keepdims", Attr.of(0L)))
                .node("Unsqueeze", List.of("rm", "ua"), List.of("u"))
                .node("Squeeze", List.of("u", "ua"), List.of("sq"))
                .node("Split", List.of("x", "sp"), List.of("p1", "p2"), Map.of("axis", Attr.of(-1L)))
                .node("Slice", List.of("x", "s0", "s1", "sa"), List.of("sl"))
                .node("Hardmax", List.of("x"), List.of("h"), Map.of("axis", Attr.of(-1L)))
                .output("f", DataType.FLOAT, 6, 8).output("g", DataType.FLOAT, 2, 2, 4)
                .output("am", DataType.INT64, 2, 3, 1).output("sq", DataType.FLOAT, 2, 3)
                .output("p1", DataType.FLOAT, 2, 3, 1).output("p2", DataType.FLOAT, 2, 3, 3)
                .output("sl", DataType.FLOAT, 2, 3, 2).output("h", DataType.FLOAT, 2, 3, 4).build();
    }

    private static Node only(Model m, String op) {
        return m.graph().allNodes().stream().filter(n -> n.is(op)).findFirst().orElseThrow();
    }

    @Test
    void negativeAxesBecomeNonNegativeBelow11AndOrtAgreesBothWays() {
        for (int target : new int[] {10, 9, 7}) {
            Model m = negativeAxes();
            OrtEquivalence ref = OrtEquivalence.capture(m);
            convert(m, target);
            ref.assertWithin(m, 0);
            for (String op : List.of("Concat", "Flatten", "Gather", "ArgMax", "Split", "Hardmax")) {
                assertThat(only(m, op).attrInt("axis", 0)).as("%s at opset %d", op, target).isNotNegative();
            }
            for (String op : List.of("ReduceMean", "Unsqueeze", "Squeeze")) {
                assertThat(only(m, op).attrInts("axes").orElseThrow()).as("%s at %d", op, target)
                        .doesNotContain(-1, -2, -3);
            }
            assertThat(only(m, "Flatten").attrInt("axis", 0)).isEqualTo(2);
            assertThat(only(m, "Unsqueeze").attrInts("axes").orElseThrow()).containsExactly(2);
            Node gather = only(m, "Gather");
            assertThat(m.graph().initializers().get(gather.input(1)).toLongArray()).containsExactly(2, 0);
            Node slice = only(m, "Slice");
            long[] sliceAxes = target >= 10 ? m.graph().initializers().get(slice.input(3)).toLongArray()
                    : slice.attrInts("axes").orElseThrow();
            assertThat(sliceAxes).containsExactly(2);
            convert(m, 13); // and back up: the non-negative forms keep their meaning
            ref.assertWithin(m, 0);
        }
    }

    @Test
    void aRankShapeInferenceLosesIsFoundFromTheProducers() {
        Model m = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 3, 4)
                .initializer("keep", Tensor.of(DataType.BOOL, new long[] {3}, new double[] {1, 0, 1}))
                .node("Compress", List.of("x", "keep"), List.of("c"), Map.of("axis", Attr.of(0L)))
                .node("Transpose", List.of("c"), List.of("t"), Map.of("perm", Attr.ofInts(1, 0)))
                .node("ReduceMean", List.of("t"), List.of("y"), Map.of("axes", Attr.ofInts(-1), "keepdims", Attr.of(0L)))
                .output("y").build();
        // the precondition: static shape inference does not know Compress, so the Transpose's rank is unknown to it
        dev.onnxpress.ir.Value t = m.graph().findValue("t").orElseThrow();
        assertThat(dev.onnxpress.analysis.StaticShapes.infer(m.graph(), 13).rank(t)).isEmpty();
        OrtEquivalence ref = OrtEquivalence.capture(m);
        convert(m, 10);
        assertThat(only(m, "ReduceMean").attrInts("axes").orElseThrow()).containsExactly(1);
        ref.assertWithin(m, 0);
    }

    @Test
    void negativeAxisOfUnknownRankIsRefusedByNodeAndTheModelUntouched() {
        Model m = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 3, 4)
                .input("shape", DataType.INT64, "k")
                .node("Reshape", List.of("x", "shape"), List.of("r"))
                .node("Concat", List.of("r", "r"), List.of("y"), Map.of("axis", Attr.of(-1L)))
                .output("y").build();
        byte[] before = dev.onnxpress.ir.ModelWriter.toBytes(m);
        assertThatThrownBy(() -> convert(m, 10)).isInstanceOf(PassException.class)
                .hasMessageContaining("node 'Concat'").hasMessageContaining("negative axis -1")
                .hasMessageContaining("only from opset 11").hasMessageContaining("rank of 'r' is unknown")
                .hasMessageNotContaining("\n");
        assertThat(dev.onnxpress.ir.ModelWriter.toBytes(m)).isEqualTo(before);
        // going to 11 or later needs no rank
        convert(m, 11);
        assertThat(only(m, "Concat").attrInt("axis", 0)).isEqualTo(-1);
    }
}
