package dev.onnxpress.passes.convert.opset;

import static dev.onnxpress.passes.convert.opset.OpsetChangesAuditTest.unary;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.analysis.ModelChecker;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Every small model of the conversion tests, converted to every opset from 7 to 26: between the lowest
 * opset that can express it and the highest ONNX Runtime has kernels for, the result passes the model
 * checker, loads in ONNX Runtime and computes the original's outputs; outside, the conversion is refused
 * with one line naming a node. Nothing else (no
 * other exception, no model ONNX Runtime rejects) is allowed.
 */
class OpsetMatrixTest {
    private static final ConvertOpsetPass PASS = new ConvertOpsetPass();

    /** A model, and the lowest target opset it converts to (models below opset 7 are compared with their opset-7 form). */
    record Case(String name, Supplier<Model> model, int lowest, int highest, int referenceAt) {
        Case(String name, Supplier<Model> model, int lowest, int highest) {
            this(name, model, lowest, highest, 0);
        }

        Case(String name, Supplier<Model> model, int lowest) {
            this(name, model, lowest, OpsetVersions.NEWEST, 0);
        }
    }

    /**
     * Opset 8 experimental ops that have standard forms. The reference is their opset-13 form; below 10 they stay
     * as they are and ONNX Runtime runs its own kernels for them, which must agree with the rewritten forms.
     */
    static Model experimentalChain() {
        return GraphBuilder.model("g").opset(8).input("x", DataType.FLOAT, 1, 3, 4, 5)
                .node("ImageScaler", List.of("x"), List.of("a"), Map.of("scale", Attr.of(0.5f), "bias", Attr.ofFloats(1, 2, 3)))
                .node("ScaledTanh", List.of("a"), List.of("b"), Map.of("alpha", Attr.of(2f), "beta", Attr.of(0.5f)))
                .node("Crop", List.of("b"), List.of("y"), Map.of("border", Attr.ofInts(1, 0, 2, 1)))
                .output("y").build();
    }

    static List<Case> cases() {
        return List.of(
                new Case("reshape allowzero=0 @17", () -> OpsetAttributeAuditTest.reshape(0), 7),
                new Case("legacy broadcast @3", OpsetAttributeAuditTest::opset3, 7),
                new Case("negative axes @13", NegativeAxesOpsetTest::negativeAxes, 7),
                new Case("pad wrap @19", () -> WrapPadAndScatterReductionOpsetTest.wrapPad(new long[] {0, 1, 2, 0, 2, 1}, null), 7),
                new Case("scatter add @18", () -> WrapPadAndScatterReductionOpsetTest.scatterElements("add",
                        new long[] {1, 0, 2, -3, 2, 1, 0, 1}), 11),
                new Case("scatterND max @18", () -> WrapPadAndScatterReductionOpsetTest.scatterNd("max", 1, -2), 11),
                new Case("LSTM/GRU/RNN @7", () -> OpsetChangesAuditTest.recurrent(7, false), 7),
                new Case("RoiAlign @10", () -> GraphBuilder.model("g").opset(10).input("x", DataType.FLOAT, 1, 2, 6, 6)
                        .initializer("rois", Tensor.ofFloats(new long[] {1, 4}, 0.5f, 0.5f, 4.2f, 3.7f))
                        .initializer("bi", Tensor.ofLongs(new long[] {1}, 0))
                        .node("RoiAlign", List.of("x", "rois", "bi"), List.of("y"), Map.of("output_height", Attr.of(2L),
                                "output_width", Attr.of(2L), "sampling_ratio", Attr.of(2L)))
                        .output("y").build(), 10, 21),
                new Case("GridSample @16", () -> GraphBuilder.model("g").opset(16).input("x", DataType.FLOAT, 1, 1, 3, 4)
                        .initializer("grid", Tensor.ofFloats(new long[] {1, 1, 2, 2}, -0.9f, -0.5f, 0.3f, 0.1f))
                        .node("GridSample", List.of("x", "grid"), List.of("y")).output("y").build(), 16),
                new Case("DepthToSpace @13", () -> unary(13, "DepthToSpace", Map.of("blocksize", Attr.of(2L)), 1, 8, 2, 3), 7),
                new Case("LayerNormalization @17", () -> GraphBuilder.model("g").opset(17).input("x", DataType.FLOAT, 2, 3, 4)
                        .initializer("s", Tensor.ofFloats(new long[] {4}, 1, 2, 0.5f, -1))
                        .node("LayerNormalization", List.of("x", "s"), List.of("y")).output("y").build(), 7),
                new Case("Swish @24", () -> unary(24, "Swish", Map.of(), 2, 5), 7),
                new Case("Celu @12", () -> unary(12, "Celu", Map.of(), 2, 5), 7),
                new Case("Gelu @20", () -> unary(20, "Gelu", Map.of(), 2, 5), 9),
                new Case("Upsample @7", () -> unary(7, "Upsample", Map.of("scales", Attr.ofFloats(1, 1, 2, 2)), 1, 1, 2, 3), 7),
                new Case("Resize nearest @13", () -> GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 1, 1, 2, 3)
                        .initializer("sc", Tensor.ofFloats(new long[] {4}, 1, 1, 2, 3))
                        .node("Resize", List.of("x", "", "sc"), List.of("y"), Map.of("mode", Attr.of("nearest")))
                        .output("y").build(), 7),
                new Case("Softmax axis=1 @11", () -> unary(11, "Softmax", Map.of("axis", Attr.of(1L)), 2, 3, 4), 7),
                new Case("Clip attrs @9", () -> unary(9, "Clip", Map.of("min", Attr.of(-0.2f), "max", Attr.of(0.3f)), 2, 5), 7),
                new Case("Pad constant @9", () -> unary(9, "Pad", Map.of("pads", Attr.ofInts(0, 1, 2, 0), "value",
                        Attr.of(1.5f)), 2, 3), 7),
                new Case("Slice attrs @9", () -> unary(9, "Slice", Map.of("starts", Attr.ofInts(1, 0), "ends",
                        Attr.ofInts(3, 5), "axes", Attr.ofInts(0, 1)), 4, 6), 7),
                new Case("TopK @9", () -> GraphBuilder.model("g").opset(9).input("x", DataType.FLOAT, 3, 7)
                        .node("TopK", List.of("x"), List.of("y", "i"), Map.of("k", Attr.of(2L))).output("y").output("i").build(), 7),
                new Case("Split/Squeeze/ReduceSum @11", () -> GraphBuilder.model("g").opset(11).input("x", DataType.FLOAT, 2, 1, 6)
                        .node("Split", List.of("x"), List.of("a", "b"), Map.of("axis", Attr.of(2L), "split", Attr.ofInts(2, 4)))
                        .node("Squeeze", List.of("a"), List.of("s"), Map.of("axes", Attr.ofInts(1)))
                        .node("ReduceSum", List.of("b"), List.of("r"), Map.of("axes", Attr.ofInts(2), "keepdims", Attr.of(0L)))
                        .output("s").output("r").build(), 7),
                new Case("Dropout ratio @10", () -> unary(10, "Dropout", Map.of("ratio", Attr.of(0.3f)), 3), 7),
                new Case("GroupNormalization @21", () -> GraphBuilder.model("g").opset(21).input("x", DataType.FLOAT, 2, 4, 3)
                        .initializer("s", Tensor.ofFloats(new long[] {4}, 1.5f, 1.5f, 0.5f, 0.5f))
                        .initializer("b", Tensor.ofFloats(new long[] {4}, 0.1f, 0.1f, -0.3f, -0.3f))
                        .node("GroupNormalization", List.of("x", "s", "b"), List.of("y"), Map.of("num_groups", Attr.of(2L)))
                        .output("y").build(), 18),
                new Case("LSTM/GRU/RNN @3", () -> OpsetChangesAuditTest.recurrent(3, true), 7),
                new Case("Tile @5", () -> GraphBuilder.model("g").opset(5).input("x", DataType.FLOAT, 2, 3)
                        .initializer("tiles", Tensor.ofLongs(new long[0], 2)).initializer("axis", Tensor.ofLongs(new long[0], 1))
                        .node("Tile", List.of("x", "tiles", "axis"), List.of("y")).output("y").build(), 7),
                new Case("GlobalLpPool p=3.0 @1", () -> unary(1, "GlobalLpPool", Map.of("p", Attr.of(3f)), 1, 2, 3, 3), 7, 21),
                new Case("experimental ops @8", OpsetMatrixTest::experimentalChain, 7, OpsetVersions.NEWEST, 13),
                new Case("DFT @17", () -> GraphBuilder.model("g").opset(17).input("x", DataType.FLOAT, 2, 8, 1)
                        .node("DFT", List.of("x"), List.of("y")).output("y").build(), 17));
    }

    @Test
    void everyModelConvertsToEveryOpsetItCanExpressAndIsRefusedBelow() {
        List<String> wrong = new ArrayList<>();
        int converted = 0;
        int refusedCount = 0;
        for (Case c : cases()) {
            Model original = c.model().get();
            Model reference = original;
            if (original.defaultOpset() < OpsetVersions.OLDEST || c.referenceAt() > 0) {
                reference = original.copy();
                PASS.run(reference, new ConvertOpsetOptions(Math.max(OpsetVersions.OLDEST, c.referenceAt())),
                        new NoDataContext());
            }
            OrtEquivalence ref = OrtEquivalence.capture(reference);
            for (int target = OpsetVersions.OLDEST; target <= OpsetVersions.NEWEST; target++) {
                Model m = original.copy();
                String at = c.name() + " → " + target + ": ";
                try {
                    PASS.run(m, new ConvertOpsetOptions(target), new NoDataContext());
                } catch (PassException e) {
                    refusedCount++;
                    if (target >= c.lowest() && target <= c.highest() || e.getMessage().contains("\n") || !e.getMessage().contains("node '")) {
                        wrong.add(at + "refused: " + e.getMessage());
                    }
                    continue;
                }
                converted++;
                if (target < c.lowest() || target > c.highest()) {
                    wrong.add(at + "converted, though outside the opsets expected");
                }
                List<String> problems = ModelChecker.problems(m);
                if (!problems.isEmpty()) {
                    wrong.add(at + "checker: " + problems);
                    continue;
                }
                try {
                    double diff = ref.maxAbsDifference(m);
                    if (!(diff <= 1e-5)) {
                        wrong.add(at + "outputs differ by " + diff);
                    }
                } catch (RuntimeException e) {
                    wrong.add(at + "ONNX Runtime: " + e.getMessage());
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(converted).isGreaterThan(400);
        assertThat(refusedCount).isGreaterThan(20);
    }
}
