package dev.onnxpress.passes.fold.batchnorm;

import static dev.onnxpress.passes.fold.FoldFixtures.assertClose;
import static dev.onnxpress.passes.fold.FoldFixtures.count;
import static dev.onnxpress.passes.fold.FoldFixtures.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FoldBatchNormPassTest {
    private static final double TOL = 1e-5;

    static PassResult fold(Model m) {
        return new FoldBatchNormPass().run(m, PassOptions.defaults(FoldBatchNormOptions.class), new NoDataContext());
    }

    /** Adds BN parameters p_g, p_b, p_m, p_v with a non-zero shift. */
    static GraphBuilder bnParams(GraphBuilder b, String p, int c, long seed, DataType type) {
        return b.initializer(p + "_g", random(type, seed, 0.5, 1.5, c))
                .initializer(p + "_b", random(type, seed + 1, -1, 1, c))
                .initializer(p + "_m", random(type, seed + 2, -1, 1, c))
                .initializer(p + "_v", random(type, seed + 3, 0.1, 2, c));
    }

    static List<String> bnInputs(String x, String p) {
        return List.of(x, p + "_g", p + "_b", p + "_m", p + "_v");
    }

    static Map<String, Attr> attrs(Object... kv) {
        Map<String, Attr> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            m.put((String) kv[i], v instanceof long[] l ? Attr.ofInts(l) : v instanceof Float f ? Attr.of(f)
                    : v instanceof String s ? Attr.of(s) : Attr.of(((Number) v).longValue()));
        }
        return m;
    }

    static Model convBn(DataType type, int group, boolean bias, long opset, Map<String, Attr> bnAttrs) {
        int cin = 4;
        int cout = 6;
        GraphBuilder b = GraphBuilder.model("conv_bn").opset(opset)
                .input("x", type, "batch", cin, 5, 5)
                .initializer("w", random(type, 1, -1, 1, cout, cin / group, 3, 3));
        if (bias) {
            b.initializer("bias", random(type, 2, -1, 1, cout));
        }
        bnParams(b, "bn", cout, 10, type)
                .node("Conv", bias ? List.of("x", "w", "bias") : List.of("x", "w"), List.of("c"),
                        attrs("group", group, "pads", new long[] {1, 1, 1, 1}))
                .node("BatchNormalization", bnInputs("c", "bn"), List.of("y"), bnAttrs)
                .node("Relu", List.of("y"), List.of("z"))
                .output("z", type, "batch", cout, 5, 5);
        return b.build();
    }

    @ParameterizedTest
    @CsvSource({"1,true", "1,false", "2,true", "2,false"})
    void foldsIntoConvOfAnyGroupCount(int group, boolean bias) {
        Model m = convBn(DataType.FLOAT, group, bias, 17, Map.of());
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = fold(m);
        assertTrue(r.changed());
        assertEquals(0, count(m, "BatchNormalization"));
        assertEquals(1L, r.statistics().get("batchnorms_folded"));
        assertClose(before, m, TOL);
    }

    @Test
    void foldsIntoDepthwiseConv() {
        GraphBuilder b = GraphBuilder.model("dw").input("x", DataType.FLOAT, 1, 8, 6, 6)
                .initializer("w", random(3, 8, 1, 3, 3));
        Model m = bnParams(b, "bn", 8, 20, DataType.FLOAT)
                .node("Conv", List.of("x", "w"), List.of("c"), attrs("group", 8))
                .node("BatchNormalization", bnInputs("c", "bn"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 8, 4, 4).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertClose(before, m, TOL);
        assertEquals("y", m.graph().outputs().get(0).name(), "a graph output keeps its name");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void foldsIntoConvTransposePerOutputChannelAcrossGroups(int group) {
        int cin = 4;
        int coutPerGroup = 3;
        int cout = coutPerGroup * group;
        GraphBuilder b = GraphBuilder.model("deconv").input("x", DataType.FLOAT, 1, cin, 4, 4)
                .initializer("w", random(5, cin, coutPerGroup, 2, 2))
                .initializer("bias", random(6, cout));
        Model m = bnParams(b, "bn", cout, 30, DataType.FLOAT)
                .node("ConvTranspose", List.of("x", "w", "bias"), List.of("c"), attrs("group", group, "strides",
                        new long[] {2, 2}))
                .node("BatchNormalization", bnInputs("c", "bn"), List.of("y"))
                .output("y", DataType.FLOAT, 1, cout, 8, 8).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertClose(before, m, TOL);
    }

    @ParameterizedTest
    @CsvSource({"0,0,true", "0,1,true", "1,0,true", "1,1,true", "0,0,false", "1,1,false", "0,1,row"})
    void foldsIntoGemm(int transA, int transB, String c) {
        int mRows = 3;
        int k = 5;
        int n = 4;
        GraphBuilder b = GraphBuilder.model("gemm")
                .input("a", DataType.FLOAT, transA == 1 ? new Object[] {k, mRows} : new Object[] {mRows, k})
                .initializer("b", random(7, transB == 1 ? new long[] {n, k} : new long[] {k, n}));
        if (!c.equals("false")) {
            b.initializer("c", c.equals("row") ? random(8, mRows, n) : random(8, n));
        }
        Model m = bnParams(b, "bn", n, 40, DataType.FLOAT)
                .node("Gemm", c.equals("false") ? List.of("a", "b") : List.of("a", "b", "c"), List.of("g"),
                        attrs("transA", transA, "transB", transB, "alpha", 0.7f, "beta", 1.3f))
                .node("BatchNormalization", bnInputs("g", "bn"), List.of("y"))
                .output("y", DataType.FLOAT, mRows, n).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertClose(before, m, TOL);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void foldsIntoMatMulWithOrWithoutBiasAdd(boolean withAdd) {
        GraphBuilder b = GraphBuilder.model("mm").input("a", DataType.FLOAT, "batch", 5)
                .initializer("w", random(9, 5, 4)).initializer("bias", random(10, 4));
        bnParams(b, "bn", 4, 50, DataType.FLOAT).node("MatMul", List.of("a", "w"), List.of("mm"));
        if (withAdd) {
            b.node("Add", List.of("mm", "bias"), List.of("mmb"));
        }
        Model m = b.node("BatchNormalization", bnInputs(withAdd ? "mmb" : "mm", "bn"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 4).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertEquals(1, count(m, "Add"));
        assertClose(before, m, TOL);
    }

    /** paddle2onnx writes ConvTranspose + Add(bias [1,C,1,1]) + BN: the Add is fused, then BN folds. */
    @Test
    void foldsThroughASeparateBiasAdd() {
        GraphBuilder b = GraphBuilder.model("deconv_add").input("x", DataType.FLOAT, 1, 4, 4, 4)
                .initializer("w", random(5, 4, 3, 2, 2)).initializer("bias", random(6, 1, 3, 1, 1));
        Model m = bnParams(b, "bn", 3, 90, DataType.FLOAT)
                .node("ConvTranspose", List.of("x", "w"), List.of("c"), attrs("strides", new long[] {2, 2}))
                .node("Add", List.of("c", "bias"), List.of("cb"))
                .node("BatchNormalization", bnInputs("cb", "bn"), List.of("y"))
                .output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(List.of("ConvTranspose"), m.graph().nodes().stream().map(n -> n.opType()).toList());
        assertClose(before, m, TOL);
    }

    @Test
    void skipsForwardFoldWhenTheBatchNormFeedsSeveralNodes() {
        GraphBuilder b = GraphBuilder.model("fan_out").input("x", DataType.FLOAT, 1, 4, 6, 6)
                .initializer("w", random(11, 6, 4, 1, 1));
        Model m = bnParams(b, "bn", 4, 60, DataType.FLOAT)
                .node("BatchNormalization", bnInputs("x", "bn"), List.of("n"))
                .node("Conv", List.of("n", "w"), List.of("y"))
                .node("Relu", List.of("n"), List.of("r")).output("y").output("r").build();
        PassResult r = fold(m);
        assertFalse(r.changed());
        assertTrue(r.skips().get(0).reason().contains("2 readers"), r.skips().toString());
    }

    @Test
    void skipsMatMulWhoseOutputIsNotRankTwo() {
        GraphBuilder b = GraphBuilder.model("mm3").input("a", DataType.FLOAT, 2, 4, 5)
                .initializer("w", random(9, 5, 4));
        Model m = bnParams(b, "bn", 4, 50, DataType.FLOAT)
                .node("MatMul", List.of("a", "w"), List.of("mm"))
                .node("BatchNormalization", bnInputs("mm", "bn"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 4, 4).build();
        PassResult r = fold(m);
        assertEquals(1, count(m, "BatchNormalization"));
        assertFalse(r.changed());
        assertTrue(r.skips().get(0).reason().contains("rank"), r.skips().toString());
    }

    static Model bnConv(long[] pads, boolean zeroShift, int group) {
        GraphBuilder b = GraphBuilder.model("bn_conv").input("x", DataType.FLOAT, 1, 4, 6, 6)
                .initializer("w", random(11, 6, 4 / group, 3, 3)).initializer("bias", random(12, 6));
        bnParams(b, "bn", 4, 60, DataType.FLOAT);
        if (zeroShift) {
            b.initializer("bn_b0", Tensor.ofFloats(new long[] {4}, 0, 0, 0, 0))
                    .initializer("bn_m0", Tensor.ofFloats(new long[] {4}, 0, 0, 0, 0));
        }
        List<String> in = zeroShift ? List.of("x", "bn_g", "bn_b0", "bn_m0", "bn_v") : bnInputs("x", "bn");
        return b.node("BatchNormalization", in, List.of("n"))
                .node("Conv", List.of("n", "w", "bias"), List.of("y"), attrs("pads", pads, "group", group))
                .output("y").build();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void foldsIntoFollowingConvWithoutPadding(int group) {
        Model m = bnConv(new long[] {0, 0, 0, 0}, false, group);
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertEquals(1L, r.statistics().get("batchnorms_folded"));
        assertClose(before, m, TOL);
    }

    @Test
    void foldsIntoFollowingPaddedConvWhenShiftIsZero() {
        Model m = bnConv(new long[] {1, 1, 1, 1}, true, 1);
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertClose(before, m, TOL);
    }

    @Test
    void skipsFollowingPaddedConvWhenShiftIsNotZero() {
        Model m = bnConv(new long[] {1, 1, 1, 1}, false, 1);
        PassResult r = fold(m);
        assertFalse(r.changed());
        assertEquals(1, count(m, "BatchNormalization"));
        assertTrue(r.skips().get(0).reason().contains("zero-pads"), r.skips().toString());
    }

    @ParameterizedTest
    @ValueSource(longs = {7, 9, 13, 14, 15, 17})
    void foldsEveryOpsetOrtRuns(long opset) {
        Map<String, Attr> a = new HashMap<>();
        a.put("epsilon", Attr.of(1e-3f));
        if (opset < 9) {
            a.put("spatial", Attr.of(1L));
        }
        if (opset >= 14) {
            a.put("training_mode", Attr.of(0L));
        }
        Model m = convBn(DataType.FLOAT, 1, true, opset, a);
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertClose(before, m, TOL);
    }

    /** ORT loads opset 7 and later only: fold the old form, then compare with the opset 9 original. */
    @ParameterizedTest
    @ValueSource(longs = {1, 5, 6})
    void foldsLegacyOpsetsWithIsTest(long opset) {
        Model reference = convBn(DataType.FLOAT, 1, true, 9, Map.of("epsilon", Attr.of(1e-3f)));
        OrtEquivalence before = OrtEquivalence.capture(reference);
        Map<String, Attr> a = new HashMap<>();
        a.put("epsilon", Attr.of(1e-3f));
        a.put("is_test", Attr.of(1L));
        a.put("spatial", Attr.of(1L));
        if (opset <= 5) {
            a.put("consumed_inputs", Attr.ofInts(0, 0, 0, 1, 1));
        }
        Model m = convBn(DataType.FLOAT, 1, true, opset, a);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        new Rewriter(m).setOpset("", 9); // Conv and Relu mean the same in opsets 1 to 9
        assertClose(before, m, TOL);
    }

    @Test
    void skipsTrainingForms() {
        Model isTest0 = convBn(DataType.FLOAT, 1, true, 6, Map.of());
        assertTrue(fold(isTest0).skips().get(0).reason().contains("is_test=0"));
        Model training = convBn(DataType.FLOAT, 1, true, 15, Map.of("training_mode", Attr.of(1L)));
        assertTrue(fold(training).skips().get(0).reason().contains("training_mode"));
        assertEquals(1, count(training, "BatchNormalization"));
    }

    @Test
    void skipsSpatialZeroWithPerActivationStatistics() {
        GraphBuilder b = GraphBuilder.model("sp0").opset(7).input("x", DataType.FLOAT, 1, 2, 3, 3)
                .initializer("w", random(1, 2, 2, 1, 1));
        for (String p : List.of("g", "b", "m", "v")) {
            b.initializer("bn_" + p, random(DataType.FLOAT, p.hashCode(), 0.5, 1, 2, 3, 3));
        }
        Model m = b.node("Conv", List.of("x", "w"), List.of("c"))
                .node("BatchNormalization", bnInputs("c", "bn"), List.of("y"), Map.of("spatial", Attr.of(0L)))
                .output("y").build();
        PassResult r = fold(m);
        assertEquals(1, count(m, "BatchNormalization"));
        assertTrue(r.skips().get(0).reason().contains("spatial=0"), r.skips().toString());
    }

    @Test
    void skipsWhenStatisticsOutputsAreUsed() {
        GraphBuilder b = GraphBuilder.model("stats").opset(15).input("x", DataType.FLOAT, 2, 3)
                .initializer("w", random(1, 3, 3));
        Model m = bnParams(b, "bn", 3, 1, DataType.FLOAT).node("Gemm", List.of("x", "w"), List.of("g"))
                .node("BatchNormalization", bnInputs("g", "bn"), List.of("y", "rm", "rv"),
                        Map.of("training_mode", Attr.of(0L)))
                .output("y").output("rm").build();
        PassResult r = fold(m);
        assertEquals(1, count(m, "BatchNormalization"));
        assertTrue(r.skips().get(0).reason().contains("statistics output"), r.skips().toString());
    }

    @Test
    void declaredStatisticsOutputsMeanTrainingModeInOpsetsSevenToThirteen() {
        GraphBuilder b = GraphBuilder.model("stats").opset(11).input("x", DataType.FLOAT, 2, 3)
                .initializer("w", random(1, 3, 3));
        Model m = bnParams(b, "bn", 3, 1, DataType.FLOAT).node("Gemm", List.of("x", "w"), List.of("g"))
                .node("BatchNormalization", bnInputs("g", "bn"), List.of("y", "m1", "v1", "sm", "sv"))
                .output("y").build();
        PassResult r = fold(m);
        assertEquals(1, count(m, "BatchNormalization"));
        assertTrue(r.skips().get(0).reason().contains("training mode"), r.skips().toString());
    }

    /** ORT rejects the unfolded form (extra outputs with training_mode=0): compare with the one-output form. */
    @Test
    void unusedStatisticsOutputsDoNotPreventFoldingInOpset14() {
        OrtEquivalence before = OrtEquivalence.capture(statsModel(List.of("y")));
        Model m = statsModel(List.of("y", "m1", "v1"));
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertClose(before, m, TOL);
    }

    static Model statsModel(List<String> outputs) {
        GraphBuilder b = GraphBuilder.model("stats").opset(15).input("x", DataType.FLOAT, 2, 3)
                .initializer("w", random(1, 3, 3));
        return bnParams(b, "bn", 3, 1, DataType.FLOAT).node("Gemm", List.of("x", "w"), List.of("g"))
                .node("BatchNormalization", bnInputs("g", "bn"), outputs).output("y").build();
    }

    @Test
    void foldsWeightsHeldInConstantNodes() {
        GraphBuilder b = GraphBuilder.model("const").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .constant("w", random(1, 5, 3, 1, 1)).constant("bias", random(2, 5));
        for (String p : List.of("g", "b", "m", "v")) {
            b.constant("bn_" + p, random(DataType.FLOAT, p.hashCode(), 0.2, 1.2, 5));
        }
        Model m = b.node("Conv", List.of("x", "w", "bias"), List.of("c"))
                .node("BatchNormalization", bnInputs("c", "bn"), List.of("y")).output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertEquals(2, count(m, "Constant"), "BN's four parameter constants are removed, W and b rewritten in place");
        assertClose(before, m, TOL);
    }

    /** IR version 3 lists every initializer as a graph input; nobody feeds BN statistics. */
    @Test
    void foldsInitializersListedAsGraphInputs() {
        GraphBuilder b = GraphBuilder.model("ir3").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .initializerInput("w", random(1, 5, 3, 1, 1));
        for (String p : List.of("g", "b", "m", "v")) {
            b.initializerInput("bn_" + p, random(DataType.FLOAT, p.hashCode(), 0.2, 1.2, 5));
        }
        Model m = b.node("Conv", List.of("x", "w"), List.of("c"))
                .node("BatchNormalization", bnInputs("c", "bn"), List.of("y")).output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertEquals(List.of("x", "w"), m.graph().inputs().stream().map(Value::name).toList());
        assertClose(before, m, TOL);
    }

    @Test
    void sharedWeightsAreCopiedNotChanged() {
        GraphBuilder b = GraphBuilder.model("shared").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .initializer("w", random(1, 3, 3, 1, 1)).initializer("bias", random(2, 3));
        Model m = bnParams(b, "bn", 3, 70, DataType.FLOAT)
                .node("Conv", List.of("x", "w", "bias"), List.of("c1"))
                .node("BatchNormalization", bnInputs("c1", "bn"), List.of("y1"))
                .node("Conv", List.of("x", "w", "bias"), List.of("y2"))
                .output("y1").output("y2").build();
        Tensor w = m.graph().initializer(b.value("w")).orElseThrow();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        Value wAfter = m.graph().findValue("w").orElseThrow();
        assertTrue(m.graph().initializer(wAfter).orElseThrow().contentEquals(w));
        assertEquals(1, wAfter.uses().size(), "the other Conv still reads the original weight");
        assertClose(before, m, TOL);
    }

    @Test
    void skipsWhenConvOutputHasOtherConsumersOrIsAGraphOutput() {
        GraphBuilder b = GraphBuilder.model("fan").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .initializer("w", random(1, 3, 3, 1, 1));
        Model m = bnParams(b, "bn", 3, 70, DataType.FLOAT)
                .node("Conv", List.of("x", "w"), List.of("c"))
                .node("BatchNormalization", bnInputs("c", "bn"), List.of("y"))
                .node("Relu", List.of("c"), List.of("r"))
                .output("y").output("r").build();
        PassResult r = fold(m);
        assertFalse(r.changed());
        assertTrue(r.skips().get(0).reason().contains("other consumers"), r.skips().toString());

        GraphBuilder b2 = GraphBuilder.model("out").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .initializer("w", random(1, 3, 3, 1, 1));
        Model m2 = bnParams(b2, "bn", 3, 70, DataType.FLOAT)
                .node("Conv", List.of("x", "w"), List.of("c"))
                .node("BatchNormalization", bnInputs("c", "bn"), List.of("y"))
                .output("y").output("c").build();
        PassResult r2 = fold(m2);
        assertFalse(r2.changed());
        assertTrue(r2.skips().get(0).reason().contains("graph output"), r2.skips().toString());
    }

    @Test
    void skipsNonConstantWeights() {
        GraphBuilder b = GraphBuilder.model("dyn").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .input("w", DataType.FLOAT, 3, 3, 1, 1);
        Model m = bnParams(b, "bn", 3, 70, DataType.FLOAT)
                .node("Conv", List.of("x", "w"), List.of("c"))
                .node("BatchNormalization", bnInputs("c", "bn"), List.of("y")).output("y").build();
        PassResult r = fold(m);
        assertFalse(r.changed());
        assertTrue(r.skips().get(0).reason().contains("not a constant"), r.skips().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"FLOAT16", "DOUBLE"})
    void storesInTheOriginalType(String typeName) {
        DataType type = DataType.valueOf(typeName);
        Model m = type == DataType.FLOAT16 ? convBn(type, 1, true, 17, Map.of()) : gemmBn(type);
        OrtEquivalence before = OrtEquivalence.capture(m);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        Value w = m.graph().findValue("w").orElseThrow();
        assertEquals(type, m.graph().constantValue(w).orElseThrow().dataType());
        assertClose(before, m, type == DataType.FLOAT16 ? 5e-3 : TOL);
    }

    /** ORT has no double Conv kernel; Gemm has one. */
    static Model gemmBn(DataType type) {
        GraphBuilder b = GraphBuilder.model("gemm_bn").input("x", type, 3, 5)
                .initializer("w", random(type, 1, -1, 1, 5, 4)).initializer("bias", random(type, 2, -1, 1, 4));
        return bnParams(b, "bn", 4, 80, type).node("Gemm", List.of("x", "w", "bias"), List.of("g"))
                .node("BatchNormalization", bnInputs("g", "bn"), List.of("y")).output("y").build();
    }

    @Test
    void foldsInsideSubgraphs() {
        GraphBuilder b = GraphBuilder.model("if").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .input("cond", DataType.BOOL).initializer("w", random(1, 3, 3, 1, 1));
        bnParams(b, "bn", 3, 70, DataType.FLOAT);
        Model m = b.ifNode("cond", List.of("y"),
                        t -> t.node("Conv", List.of("x", "w"), List.of("c"))
                                .node("BatchNormalization", bnInputs("c", "bn"), List.of("tb")).output("tb"),
                        e -> e.node("Identity", List.of("x"), List.of("eb")).output("eb"))
                .output("y").build();
        Map<String, Tensor> feeds = Map.of("x", random(3, 1, 3, 4, 4),
                "cond", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) 1));
        OrtEquivalence before = OrtEquivalence.capture(m, feeds);
        fold(m);
        assertEquals(0, count(m, "BatchNormalization"));
        assertClose(before, m, TOL);
    }

    @Test
    void idempotent() {
        Model m = convBn(DataType.FLOAT, 2, true, 17, Map.of());
        fold(m);
        assertFalse(fold(m).changed());
    }
}
