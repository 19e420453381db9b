package dev.onnxpress.passes.convert.opset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pad mode=wrap (opset 19) and the scatter reductions (add/mul at 16, min/max at 18) going below the
 * opset that introduced them: rewritten into exact older forms where the shapes or indices allow it,
 * refused by node with one line otherwise; outputs compared in ONNX Runtime at every target.
 */
class WrapPadAndScatterReductionOpsetTest {
    private static final ConvertOpsetPass PASS = new ConvertOpsetPass();

    private static void convert(Model m, int target) {
        PASS.run(m, new ConvertOpsetOptions(target), new NoDataContext());
        assertThat(m.defaultOpset()).isEqualTo(target);
    }

    private static Tensor longs(long[] dims, long... v) {
        return Tensor.ofLongs(dims, v);
    }

    static Model wrapPad(long[] pads, long[] axes) {
        GraphBuilder b = GraphBuilder.model("g").opset(19).input("x", DataType.FLOAT, 2, 3, 4)
                .initializer("pads", longs(new long[] {pads.length}, pads));
        List<String> ins = List.of("x", "pads");
        if (axes != null) {
            b.initializer("axes", longs(new long[] {axes.length}, axes));
            ins = List.of("x", "pads", "", "axes");
        }
        return b.node("Pad", ins, List.of("p"), Map.of("mode", Attr.of("wrap")))
                .node("Relu", List.of("p"), List.of("y")).output("y").build();
    }

    @Test
    void wrapPadBecomesGathersBelow19AndOrtAgrees() {
        List<Model> cases = List.of(wrapPad(new long[] {0, 1, 2, 0, 2, 1}, null), wrapPad(new long[] {2, 1}, new long[] {-1}),
                wrapPad(new long[] {1, 0, 0, 0, 0, 3}, null));
        for (int target : new int[] {18, 13, 10, 7}) {
            for (Model original : cases) {
                Model m = original.copy();
                OrtEquivalence ref = OrtEquivalence.capture(m);
                convert(m, target);
                assertThat(m.graph().opHistogram()).as("opset %d", target).doesNotContainKey("Pad").containsKey("Gather");
                ref.assertWithin(m, 0);
                convert(m, 19);
                ref.assertWithin(m, 0);
            }
        }
    }

    @Test
    void wrapPadOfUnknownShapeIsRefusedByNode() {
        Model m = GraphBuilder.model("g").opset(19).input("x", DataType.FLOAT, 2, 3, 4).input("shape", DataType.INT64, 3)
                .initializer("pads", longs(new long[] {6}, 0, 0, 1, 0, 0, 1))
                .node("Reshape", List.of("x", "shape"), List.of("r"))
                .node("Pad", List.of("r", "pads"), List.of("y"), Map.of("mode", Attr.of("wrap")))
                .output("y").build();
        byte[] before = ModelWriter.toBytes(m);
        assertThatThrownBy(() -> convert(m, 18)).isInstanceOf(PassException.class)
                .hasMessageStartingWith("convert_opset: node 'Pad' (Pad): mode=wrap does not exist before opset 19")
                .hasMessageContaining("'r' is unknown").hasMessageNotContaining("\n");
        assertThat(ModelWriter.toBytes(m)).isEqualTo(before);
        // pads longer than their axis: ONNX Runtime does not repeat the axis as numpy does, so no rewrite is sure
        Model longPads = wrapPad(new long[] {0, 0, 5, 0, 0, 0}, null);
        assertThatThrownBy(() -> convert(longPads, 18)).isInstanceOf(PassException.class)
                .hasMessageContaining("axis 2 of 'x' is 4, which the pads 5, 0 do not fit");
    }

    static Model scatterElements(String reduction, long[] idx) {
        return GraphBuilder.model("g").opset(18).input("x", DataType.FLOAT, 3, 4).input("u", DataType.FLOAT, 2, 4)
                .initializer("idx", longs(new long[] {2, 4}, idx))
                .node("ScatterElements", List.of("x", "idx", "u"), List.of("y"),
                        Map.of("axis", Attr.of(0L), "reduction", Attr.of(reduction)))
                .output("y").build();
    }

    static Model scatterNd(String reduction, long... idx) {
        return GraphBuilder.model("g").opset(18).input("x", DataType.FLOAT, 4, 3).input("u", DataType.FLOAT, idx.length, 3)
                .initializer("idx", longs(new long[] {idx.length, 1}, idx))
                .node("ScatterND", List.of("x", "idx", "u"), List.of("y"), Map.of("reduction", Attr.of(reduction)))
                .output("y").build();
    }

    @Test
    void scatterReductionsWithUniqueConstantIndicesBecomeGatherReduceScatter() {
        long[] unique = {1, 0, 2, -3, 2, 1, 0, 1}; // -3 is row 0: each (row, column) once
        for (String red : List.of("add", "mul", "min", "max")) {
            int since = red.equals("add") || red.equals("mul") ? 16 : 18;
            for (int target : new int[] {since - 1, 11}) {
                for (Model m : List.of(scatterElements(red, unique), scatterNd(red, 1, -2))) {
                    OrtEquivalence ref = OrtEquivalence.capture(m);
                    convert(m, target);
                    assertThat(m.graph().opHistogram()).as("%s at %d", red, target)
                            .containsKey(m.graph().opHistogram().containsKey("ScatterND") ? "GatherND" : "GatherElements");
                    assertThat(m.graph().allNodes().stream().filter(n -> n.opType().startsWith("Scatter"))
                            .map(n -> n.attrString("reduction", "none"))).containsOnly("none");
                    ref.assertWithin(m, 1e-6);
                }
            }
        }
    }

    @Test
    void scatterReductionsThatCannotBeRewrittenAreRefusedByNode() {
        Model repeated = scatterNd("add", 1, -3); // -3 is row 1 again
        assertThatThrownBy(() -> convert(repeated, 15)).isInstanceOf(PassException.class)
                .hasMessageContaining("node 'ScatterND'").hasMessageContaining("reduction=add does not exist before opset 16")
                .hasMessageContaining("more than once").hasMessageNotContaining("\n");
        assertThat(repeated.defaultOpset()).isEqualTo(18);
        Model dynamic = GraphBuilder.model("g").opset(18).input("x", DataType.FLOAT, 3, 4).input("u", DataType.FLOAT, 2, 4)
                .input("idx", DataType.INT64, 2, 4)
                .node("ScatterElements", List.of("x", "idx", "u"), List.of("y"), Map.of("reduction", Attr.of("max")))
                .output("y").build();
        assertThatThrownBy(() -> convert(dynamic, 17)).isInstanceOf(PassException.class)
                .hasMessageContaining("reduction=max does not exist before opset 18").hasMessageContaining("not a constant");
        Model old = scatterElements("add", new long[] {1, 0, 2, 0, 2, 1, 0, 1});
        assertThatThrownBy(() -> convert(old, 10)).isInstanceOf(PassException.class)
                .hasMessageContaining("reduction=\"add\" has no equivalent at opset 10");
    }
}
