package dev.onnxpress.passes.convert.opset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * One test per class of operator change between opsets 1 and 26 that {@code convert_opset} rewrites or
 * refuses (the table is in docs/opset-conversion.md): each rewrite is run in ONNX Runtime against the
 * original (or, where ONNX Runtime cannot run the original opset, against the same model written directly
 * at the later opset); each refusal is one line naming the node.
 */
class OpsetChangesAuditTest {
    private static final ConvertOpsetPass PASS = new ConvertOpsetPass();

    private static void convert(Model m, int target) {
        PASS.run(m, new ConvertOpsetOptions(target), new NoDataContext());
        assertThat(m.defaultOpset()).isEqualTo(target);
    }

    private static void refused(Model m, int target, String... parts) {
        long opset = m.defaultOpset();
        ThrowingCallable call = () -> convert(m, target);
        var a = assertThatThrownBy(call).isInstanceOf(PassException.class).hasMessageStartingWith("convert_opset: node '")
                .hasMessageNotContaining("\n");
        for (String p : parts) {
            a.hasMessageContaining(p);
        }
        assertThat(m.defaultOpset()).isEqualTo(opset);
    }

    /** Round trip through {@code to} and back, ORT outputs equal to the original's at every step. */
    private static void roundTrip(Model m, int to, double tol) {
        int from = (int) m.defaultOpset();
        OrtEquivalence ref = OrtEquivalence.capture(m);
        convert(m, to);
        ref.assertWithin(m, tol);
        convert(m, from);
        ref.assertWithin(m, tol);
    }

    static Model unary(long opset, String op, Map<String, Attr> attrs, Object... dims) {
        return GraphBuilder.model("g").opset(opset).input("x", DataType.FLOAT, dims)
                .node(op, List.of("x"), List.of("y"), attrs).output("y").build();
    }

    // ------------------------------------------------------------------ element types

    @Test
    void elementTypesAndOpTypesNewerThanTheTargetAreRefused() {
        Model bf16 = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 4)
                .node("Cast", List.of("x"), List.of("h"), Map.of("to", Attr.of((long) DataType.BFLOAT16.code())))
                .node("Cast", List.of("h"), List.of("y"), Map.of("to", Attr.of((long) DataType.FLOAT.code())))
                .output("y").build();
        refused(bf16, 12, "bfloat16", "before opset 13");
        Model intRelu = GraphBuilder.model("g").opset(14).input("x", DataType.INT32, 4)
                .node("Relu", List.of("x"), List.of("y")).output("y").build();
        refused(intRelu, 13, "node 'Relu'", "Relu takes int32 only from opset 14");
        Model intClip = GraphBuilder.model("g").opset(13).input("x", DataType.INT64, 4)
                .node("Clip", List.of("x"), List.of("y")).output("y").build();
        refused(intClip, 11, "Clip takes int64 only from opset 12");
        Model cumProd = GraphBuilder.model("g").opset(26).input("x", DataType.FLOAT, 4)
                .initializer("a", Tensor.ofLongs(new long[0], 0))
                .node("CumProd", List.of("x", "a"), List.of("y")).output("y").build();
        refused(cumProd, 25, "CumProd does not exist before opset 26");
    }

    // ------------------------------------------------------------------ opsets 1-9: legacy and experimental

    /** The opset-3 recurrent ops (output_sequence, GRU's linear_before_reset) compute what opset 7's do. */
    static Model recurrent(long opset, boolean legacyAttrs) {
        int h = 3;
        int in = 2;
        GraphBuilder b = GraphBuilder.model("g").opset(opset).input("x", DataType.FLOAT, 4, 1, in);
        float[] w = new float[4 * h * in];
        float[] r = new float[4 * h * h];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 0.7) * 0.5f;
        }
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) Math.cos(i * 0.3) * 0.4f;
        }
        b.initializer("lw", Tensor.ofFloats(new long[] {1, 4 * h, in}, w))
                .initializer("lr", Tensor.ofFloats(new long[] {1, 4 * h, h}, r))
                .initializer("gw", Tensor.ofFloats(new long[] {1, 3 * h, in}, java.util.Arrays.copyOf(w, 3 * h * in)))
                .initializer("gr", Tensor.ofFloats(new long[] {1, 3 * h, h}, java.util.Arrays.copyOf(r, 3 * h * h)))
                .initializer("rw", Tensor.ofFloats(new long[] {1, h, in}, java.util.Arrays.copyOf(w, h * in)))
                .initializer("rr", Tensor.ofFloats(new long[] {1, h, h}, java.util.Arrays.copyOf(r, h * h)));
        Map<String, Attr> seq = legacyAttrs ? Map.of("hidden_size", Attr.of((long) h), "output_sequence", Attr.of(1L))
                : Map.of("hidden_size", Attr.of((long) h));
        Map<String, Attr> gru = new java.util.HashMap<>(seq);
        gru.put("linear_before_reset", Attr.of(1L));
        return b.node("LSTM", List.of("x", "lw", "lr"), List.of("ly", "lh"), seq)
                .node("GRU", List.of("x", "gw", "gr"), List.of("gy", "gh"), gru)
                .node("RNN", List.of("x", "rw", "rr"), List.of("ry", "rh"), seq)
                .output("ly").output("lh").output("gy").output("rh").build();
    }

    @Test
    void recurrentOpsOfOpset3ConvertUpAndComputeWhatOpset7Does() {
        for (int target : new int[] {7, 14, 22}) {
            Model m = recurrent(3, true);
            convert(m, target);
            assertThat(m.graph().allNodes()).allMatch(n -> n.attr("output_sequence").isEmpty());
            Model direct = recurrent(7, false);
            OrtEquivalence ref = OrtEquivalence.capture(direct);
            ref.assertWithin(m, 0);
        }
    }

    @Test
    void tileAndLpPoolOfOpsets1To5TakeTheirLaterForms() {
        Model tile = GraphBuilder.model("g").opset(5).input("x", DataType.FLOAT, 2, 3)
                .initializer("tiles", Tensor.ofLongs(new long[0], 2)).initializer("axis", Tensor.ofLongs(new long[0], 1))
                .node("Tile", List.of("x", "tiles", "axis"), List.of("y")).output("y").build();
        convert(tile, 13);
        Model tileDirect = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 3)
                .initializer("rep", Tensor.ofLongs(new long[] {2}, 1, 2))
                .node("Tile", List.of("x", "rep"), List.of("y")).output("y").build();
        OrtEquivalence.capture(tileDirect).assertWithin(tile, 0);
        Model pool = unary(1, "GlobalLpPool", Map.of("p", Attr.of(3f)), 1, 2, 3, 3);
        convert(pool, 9);
        OrtEquivalence.capture(unary(9, "GlobalLpPool", Map.of("p", Attr.of(3L)), 1, 2, 3, 3)).assertWithin(pool, 1e-6);
        refused(unary(1, "GlobalLpPool", Map.of("p", Attr.of(2.5f)), 1, 2, 3, 3), 9, "p=2.5");
    }

    @Test
    void experimentalOpsOfOpsets1To9BecomeStandardOps() {
        Model m = GraphBuilder.model("g").opset(8).input("x", DataType.FLOAT, 1, 3, 4, 5)
                .initializer("st", Tensor.ofLongs(new long[] {1}, 1)).initializer("en", Tensor.ofLongs(new long[] {1}, 3))
                .initializer("ax", Tensor.ofLongs(new long[] {1}, 3))
                .node("ImageScaler", List.of("x"), List.of("a"), Map.of("scale", Attr.of(0.5f), "bias", Attr.ofFloats(1, 2, 3)))
                .node("Scale", List.of("a"), List.of("b"), Map.of("scale", Attr.of(3f)))
                .node("Affine", List.of("b"), List.of("c"), Map.of("alpha", Attr.of(0.25f), "beta", Attr.of(-1f)))
                .node("ScaledTanh", List.of("c"), List.of("d"), Map.of("alpha", Attr.of(2f), "beta", Attr.of(0.5f)))
                .node("ParametricSoftplus", List.of("d"), List.of("e"), Map.of("alpha", Attr.of(1.5f), "beta", Attr.of(0.7f)))
                .node("Crop", List.of("e"), List.of("f"), Map.of("border", Attr.ofInts(1, 0, 2, 1)))
                .node("DynamicSlice", List.of("f", "st", "en", "ax"), List.of("y"))
                .output("y").build();
        convert(m, 13);
        assertThat(m.graph().opHistogram()).doesNotContainKeys("ImageScaler", "Scale", "Affine", "ScaledTanh",
                "ParametricSoftplus", "Crop", "DynamicSlice");
        float[] x = new float[60];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 17) * 0.3f - 2;
        }
        Tensor out = OrtEquivalence.run(m, Map.of("x", Tensor.ofFloats(new long[] {1, 3, 4, 5}, x))).get("y");
        // Crop keeps rows 0..2 (bottom 1 cut) and columns 1..2 (left 1, right 2 cut); DynamicSlice then column 2
        assertThat(out.dims()).containsExactly(1, 3, 3, 1);
        float[] y = out.toFloatArray();
        int k = 0;
        for (int c = 0; c < 3; c++) {
            for (int h = 0; h < 3; h++) {
                for (int w = 2; w < 3; w++) {
                    double v = x[c * 20 + h * 5 + w] * 0.5 + (c + 1);
                    v = 0.25 * (3 * v) - 1;
                    v = 2 * Math.tanh(0.5 * v);
                    v = 1.5 * Math.log(Math.exp(0.7 * v) + 1);
                    assertThat((double) y[k++]).isCloseTo(v, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
        refused(unary(8, "GivenTensorFill", Map.of()), 10, "experimental");
    }

    @Test
    void experimentalOpsStayBelow10AndMeanVarianceNormalizationTakesAxes() {
        Model m = unary(8, "ThresholdedRelu", Map.of("alpha", Attr.of(0.5f)), 2, 3);
        convert(m, 7);
        assertThat(m.graph().opHistogram()).containsKey("ThresholdedRelu");
        Model mvn = unary(8, "MeanVarianceNormalization", Map.of("across_channels", Attr.of(1L)), 1, 2, 3, 3);
        convert(mvn, 13);
        OrtEquivalence.capture(unary(13, "MeanVarianceNormalization", Map.of("axes", Attr.ofInts(0, 1, 2, 3)), 1, 2, 3, 3))
                .assertWithin(mvn, 0);
        refused(unary(8, "MeanVarianceNormalization", Map.of("normalize_variance", Attr.of(0L)), 1, 2, 3, 3), 9,
                "normalize_variance=0");
    }

    // ------------------------------------------------------------------ opsets 7-26

    @Test
    void newerActivationsAndLayerNormalizationBecomeOlderOps() {
        Model swish = unary(24, "Swish", Map.of("alpha", Attr.of(1.3f)), 2, 5);
        OrtEquivalence sref = OrtEquivalence.capture(swish);
        convert(swish, 23);
        assertThat(swish.graph().opHistogram()).containsKey("Sigmoid").doesNotContainKey("Swish");
        sref.assertWithin(swish, 1e-6);
        Model celu = unary(12, "Celu", Map.of("alpha", Attr.of(0.7f)), 2, 5);
        OrtEquivalence cref = OrtEquivalence.capture(celu);
        convert(celu, 11);
        assertThat(celu.graph().opHistogram()).containsKey("Elu").doesNotContainKey("Celu");
        cref.assertWithin(celu, 1e-6);
        for (long axis : new long[] {-1, 1}) {
            for (int target : new int[] {16, 13, 9}) {
                Model ln = GraphBuilder.model("g").opset(17).input("x", DataType.FLOAT, 2, 3, 4)
                        .initializer("s", Tensor.ofFloats(new long[] {4}, 1, 2, 0.5f, -1))
                        .initializer("b", Tensor.ofFloats(new long[] {4}, 0.1f, 0, -0.2f, 0.3f))
                        .node("LayerNormalization", List.of("x", "s", "b"), List.of("y"), Map.of("axis", Attr.of(axis),
                                "epsilon", Attr.of(1e-3f)))
                        .output("y").build();
                OrtEquivalence ref = OrtEquivalence.capture(ln);
                convert(ln, target);
                assertThat(ln.graph().opHistogram()).as("axis %d at %d", axis, target).doesNotContainKey("LayerNormalization");
                ref.assertWithin(ln, 1e-5);
            }
        }
    }

    @Test
    void aModelWithLocalFunctionsIsRefused() throws Exception {
        Model m = unary(13, "Relu", Map.of(), 2);
        dev.onnxpress.proto.Onnx.ModelProto p = dev.onnxpress.proto.Onnx.ModelProto.parseFrom(
                dev.onnxpress.ir.ModelWriter.toBytes(m)).toBuilder()
                .addFunctions(dev.onnxpress.proto.Onnx.FunctionProto.newBuilder().setName("F").setDomain("local")
                        .addInput("a").addOutput("b").addOpsetImport(dev.onnxpress.proto.Onnx.OperatorSetIdProto.newBuilder()
                                .setDomain("").setVersion(13))
                        .addNode(dev.onnxpress.proto.Onnx.NodeProto.newBuilder().setOpType("Relu").addInput("a").addOutput("b")))
                .build();
        Model withFunction = dev.onnxpress.ir.ModelReader.read(p.toByteArray(), java.util.Optional.empty(), "f.onnx");
        assertThatThrownBy(() -> convert(withFunction, 11)).isInstanceOf(PassException.class)
                .hasMessageContaining("1 local function(s)").hasMessageNotContaining("\n");
    }

    @Test
    void semanticChangesOfLaterOpsetsAreRewrittenBothWays() {
        Function<Long, Model> roi = opset -> GraphBuilder.model("g").opset(opset).input("x", DataType.FLOAT, 1, 2, 6, 6)
                .initializer("rois", Tensor.ofFloats(new long[] {2, 4}, 0.5f, 0.5f, 4.2f, 3.7f, 1, 0, 5, 5))
                .initializer("bi", Tensor.ofLongs(new long[] {2}, 0, 0))
                .node("RoiAlign", List.of("x", "rois", "bi"), List.of("y"), Map.of("output_height", Attr.of(2L),
                        "output_width", Attr.of(2L), "sampling_ratio", Attr.of(2L)))
                .output("y").build();
        roundTrip(roi.apply(10L), 16, 1e-6); // 10's only mode becomes output_half_pixel, written out
        refused(roi.apply(16L), 13, "coordinate_transformation_mode=half_pixel", "output_half_pixel");
        Model grid = GraphBuilder.model("g").opset(16).input("x", DataType.FLOAT, 1, 1, 3, 4)
                .initializer("grid", Tensor.ofFloats(new long[] {1, 2, 2, 2}, -0.9f, -0.5f, 0.3f, 0.1f, 0.7f, -0.2f, 0.95f, 0.9f))
                .node("GridSample", List.of("x", "grid"), List.of("y"), Map.of("mode", Attr.of("bilinear")))
                .output("y").build();
        roundTrip(grid, 20, 1e-6);
        Model grid5 = GraphBuilder.model("g").opset(20).input("x", DataType.FLOAT, 1, 1, 2, 3, 4)
                .input("grid", DataType.FLOAT, 1, 2, 2, 2, 3)
                .node("GridSample", List.of("x", "grid"), List.of("y")).output("y").build();
        refused(grid5, 19, "only 4-D inputs", "not 5-D");
        Model d2s = unary(13, "DepthToSpace", Map.of("blocksize", Attr.of(2L), "mode", Attr.of("DCR")), 1, 8, 2, 3);
        roundTrip(d2s, 10, 0);
        refused(unary(13, "DepthToSpace", Map.of("blocksize", Attr.of(2L), "mode", Attr.of("CRD")), 1, 8, 2, 3), 10,
                "mode=\"CRD\"");
        Model resize = GraphBuilder.model("g").opset(19).input("x", DataType.FLOAT, 1, 1, 2, 3)
                .initializer("sc", Tensor.ofFloats(new long[] {4}, 1, 1, 2, 2))
                .node("Resize", List.of("x", "", "sc"), List.of("y"), Map.of("mode", Attr.of("linear"),
                        "coordinate_transformation_mode", Attr.of("half_pixel_symmetric")))
                .output("y").build();
        refused(resize, 18, "half_pixel_symmetric");
    }

    @Test
    void quantizationSplitAndPadAxesGoBelowTheirOpsets() {
        Function<float[], Model> qdq = scale -> GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 1, 2, 3)
                .initializer("s", scale.length == 1 ? Tensor.scalarFloat(scale[0]) : Tensor.ofFloats(new long[] {2}, scale))
                .initializer("z", scale.length == 1 ? Tensor.of(DataType.UINT8, new long[0], new double[] {128})
                        : Tensor.of(DataType.UINT8, new long[] {2}, new double[] {128, 100}))
                .node("QuantizeLinear", List.of("x", "s", "z"), List.of("q"))
                .node("DequantizeLinear", List.of("q", "s", "z"), List.of("y")).output("y").build();
        roundTrip(qdq.apply(new float[] {0.02f}), 10, 0);
        refused(qdq.apply(new float[] {0.02f, 0.05f}), 12, "node 'QuantizeLinear'", "per-axis (2 values)", "opset 13");
        for (int target : new int[] {17, 13, 11}) {
            Model split = GraphBuilder.model("g").opset(18).input("x", DataType.FLOAT, 2, 7)
                    .node("Split", List.of("x"), List.of("a", "b", "c"), Map.of("axis", Attr.of(1L), "num_outputs", Attr.of(3L)))
                    .node("Concat", List.of("c", "a", "b"), List.of("y"), Map.of("axis", Attr.of(1L))).output("y").build();
            OrtEquivalence ref = OrtEquivalence.capture(split);
            convert(split, target); // 7 = 3 + 3 + 1: the sizes are written out
            ref.assertWithin(split, 0);
            Model pad = GraphBuilder.model("g").opset(18).input("x", DataType.FLOAT, 2, 3, 4)
                    .initializer("p", Tensor.ofLongs(new long[] {4}, 1, 1, 2, 0)).initializer("ax", Tensor.ofLongs(new long[] {2}, -1, 0))
                    .node("Pad", List.of("x", "p", "", "ax"), List.of("y"), Map.of("mode", Attr.of("reflect")))
                    .output("y").build();
            roundTrip(pad, target - 4, 0); // 13, 9, 7
        }
    }

    @Test
    void groupNormalizationScalesMoveBetweenGroupsAndChannels() {
        Model g21 = GraphBuilder.model("g").opset(21).input("x", DataType.FLOAT, 2, 4, 3)
                .initializer("s", Tensor.ofFloats(new long[] {4}, 1.5f, 1.5f, 0.5f, 0.5f))
                .initializer("b", Tensor.ofFloats(new long[] {4}, 0.1f, 0.1f, -0.3f, -0.3f))
                .node("GroupNormalization", List.of("x", "s", "b"), List.of("y"), Map.of("num_groups", Attr.of(2L)))
                .output("y").build();
        OrtEquivalence ref = OrtEquivalence.capture(g21);
        convert(g21, 18);
        dev.onnxpress.ir.Node gn = g21.graph().allNodes().stream().filter(n -> n.is("GroupNormalization")).findFirst().orElseThrow();
        assertThat(g21.graph().initializers().get(gn.input(1)).toFloatArray()).containsExactly(1.5f, 0.5f);
        assertThat(g21.graph().initializers().get(gn.input(2)).toFloatArray()).containsExactly(0.1f, -0.3f);
        ref.assertWithin(g21, 1e-6);
        convert(g21, 21);
        ref.assertWithin(g21, 1e-6);
        Model perChannel = GraphBuilder.model("g").opset(21).input("x", DataType.FLOAT, 2, 4, 3)
                .initializer("s", Tensor.ofFloats(new long[] {4}, 1, 2, 3, 4))
                .initializer("b", Tensor.ofFloats(new long[] {4}, 0, 0, 0, 0))
                .node("GroupNormalization", List.of("x", "s", "b"), List.of("y"), Map.of("num_groups", Attr.of(2L)))
                .output("y").build();
        refused(perChannel, 18, "differs within a group");
    }

    @Test
    void dftAxisMovesBetweenAttributeAndInput() {
        Model m = GraphBuilder.model("g").opset(17).input("x", DataType.FLOAT, 2, 8, 1)
                .node("DFT", List.of("x"), List.of("y"), Map.of("axis", Attr.of(1L))).output("y").build();
        roundTrip(m, 20, 1e-5);
    }

    @Test
    void changesWithoutAnEquivalentAreRefusedByNode() {
        Model max = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 3).input("z", DataType.FLOAT, 3)
                .node("Max", List.of("x", "z"), List.of("y")).output("y").build();
        refused(max, 7, "node 'Max'", "broadcast", "opset 8");
        Model sameMax = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 2, 3).input("z", DataType.FLOAT, 2, 3)
                .node("Max", List.of("x", "z"), List.of("y")).output("y").build();
        roundTrip(sameMax, 7, 0);
        Model mask = GraphBuilder.model("g").opset(13).input("x", DataType.FLOAT, 4)
                .node("Dropout", List.of("x"), List.of("y", "m")).output("y").output("m").build();
        refused(mask, 9, "mask output");
        Model bn = GraphBuilder.model("g").opset(9).input("x", DataType.FLOAT, 1, 2, 3)
                .initializer("s", Tensor.ofFloats(new long[] {2}, 1, 1)).initializer("b", Tensor.ofFloats(new long[] {2}, 0, 0))
                .initializer("mu", Tensor.ofFloats(new long[] {2}, 0, 0)).initializer("v", Tensor.ofFloats(new long[] {2}, 1, 1))
                .node("BatchNormalization", List.of("x", "s", "b", "mu", "v"), List.of("y", "rm"))
                .output("y").output("rm").build();
        refused(bn, 15, "running mean/variance");
        Model scan = GraphBuilder.model("g").opset(8).input("x", DataType.FLOAT, 1, 2, 3)
                .node("Scan", List.of("", "x"), List.of("y"), Map.of("num_scan_inputs", Attr.of(1L)))
                .output("y").build();
        refused(scan, 9, "Scan changed its inputs at opset 9");
        Model training = GraphBuilder.model("g").opset(6).irVersion(3).input("x", DataType.FLOAT, 4)
                .node("Dropout", List.of("x"), List.of("y", "m"), Map.of("is_test", Attr.of(0L)))
                .output("y").output("m").build();
        refused(training, 7, "is_test=0");
    }
}
