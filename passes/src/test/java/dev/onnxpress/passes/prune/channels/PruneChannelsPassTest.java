package dev.onnxpress.passes.prune.channels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.DataRef;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.NodeSelector;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.Placement;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Criterion;
import dev.onnxpress.passes.prune.channels.PruneChannelsOptions.Scope;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * prune_channels on tiny graphs. Most tests zero the weights of chosen channels ("dead" channels), so
 * that l1 must pick exactly those and the pruned model must compute the same outputs (to float
 * round-off) with smaller tensors: that checks the dependency groups and every tensor the surgery
 * touches, verified in ONNX Runtime.
 */
class PruneChannelsPassTest {
    private static final Set<Integer> DEAD = Set.of(1, 4, 6);
    private final Random random = new Random(3);
    private final PruneChannelsPass pass = new PruneChannelsPass();

    // ------------------------------------------------------------------ weights

    private Tensor randn(long... dims) {
        int n = (int) Tensor.elementCount(dims);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * 0.5);
        }
        return Tensor.ofFloats(dims, v);
    }

    private Tensor positive(long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.5f + random.nextFloat();
        }
        return Tensor.ofFloats(new long[] {n}, v);
    }

    /** Zeroes the given indices along axis 0 of a tensor. */
    private static Tensor kill(Tensor t, Set<Integer> channels, int axis) {
        float[] v = t.toFloatArray();
        long[] d = t.dims();
        long inner = 1;
        for (int i = axis + 1; i < d.length; i++) {
            inner *= d[i];
        }
        for (int i = 0; i < v.length; i++) {
            if (channels.contains((int) ((i / inner) % d[axis]))) {
                v[i] = 0;
            }
        }
        return Tensor.ofFloats(d, v);
    }

    private static Map<String, Attr> conv3x3() {
        return Map.of("kernel_shape", Attr.ofInts(3, 3), "pads", Attr.ofInts(1, 1, 1, 1));
    }

    private PruneChannelsOptions l1(double ratio) {
        return PruneChannelsOptions.of(Criterion.l1, ratio);
    }

    private PassResult prune(Model m, PruneChannelsOptions o) {
        return pass.run(m, o, new NoDataContext());
    }

    private static long[] dims(Model m, String value) {
        return m.graph().constantValue(m.graph().findValue(value).orElseThrow()).orElseThrow().dims();
    }

    private static Tensor weightOf(Model m, String node, int input) {
        return m.graph().constantValue(m.graph().findNode(node).orElseThrow().input(input)).orElseThrow();
    }

    // ------------------------------------------------------------------ chain, Constant nodes, BN

    private Model chain(boolean constantNodes) {
        GraphBuilder b = GraphBuilder.model("chain").input("x", DataType.FLOAT, "N", 3, 8, 8);
        Tensor w1 = kill(randn(8, 3, 3, 3), DEAD, 0);
        Tensor beta = kill(randn(8), DEAD, 0);
        if (constantNodes) {
            b.constant("w1", w1).constant("b1", kill(randn(8), DEAD, 0)).constant("g", positive(8))
                    .constant("beta", beta).constant("mean", kill(randn(8), DEAD, 0)).constant("var", positive(8))
                    .constant("w2", randn(5, 8, 3, 3));
        } else {
            b.initializer("w1", w1).initializer("b1", kill(randn(8), DEAD, 0)).initializer("g", positive(8))
                    .initializer("beta", beta).initializer("mean", kill(randn(8), DEAD, 0))
                    .initializer("var", positive(8)).initializer("w2", randn(5, 8, 3, 3));
        }
        // dead channels: zero filter and bias, BN mean 0 and beta 0 → exactly zero after BN and Relu
        return b.node("Conv", List.of("x", "w1", "b1"), List.of("c1"), conv3x3())
                .node("BatchNormalization", List.of("c1", "g", "beta", "mean", "var"), List.of("bn"))
                .node("Relu", List.of("bn"), List.of("r"))
                .node("Conv", List.of("r", "w2"), List.of("y"), conv3x3())
                .output("y", DataType.FLOAT, "N", 5, 8, 8).build();
    }

    @Test
    void prunesTheDeadChannelsOfAChainExactly() {
        Model m = chain(false);
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = prune(m, l1(3 / 8.0));
        assertTrue(r.changed());
        assertEquals(3L, r.statistics().get("channels_pruned"));
        assertArrayEquals(new long[] {5, 3, 3, 3}, weightOf(m, "Conv", 1).dims());
        assertArrayEquals(new long[] {5, 5, 3, 3}, weightOf(m, "Conv_1", 1).dims());
        assertArrayEquals(new long[] {5}, weightOf(m, "BatchNormalization", 3).dims());
        // filters, bias, BN scale and shift of 3 channels, and their input slices in the next Conv
        assertTrue(r.statistics().get("params_removed").longValue() >= 3L * 27 + 3 + 2 * 3 + 3 * 5 * 9);
        assertTrue(r.statistics().get("macs_removed").longValue() > 0);
        before.assertWithin(m, 1e-4);
        List<?> table = (List<?>) r.details().get("layers");
        assertEquals(1, table.size()); // the last Conv feeds the graph output: skipped
        assertTrue(r.skips().stream().anyMatch(k -> k.where().equals("Conv_1")), r.skips().toString());
    }

    @Test
    void prunesWeightsHeldInConstantNodes() {
        Model m = chain(true);
        OrtEquivalence before = OrtEquivalence.capture(m);
        assertTrue(m.graph().initializers().isEmpty());
        prune(m, l1(3 / 8.0).withLayers(NodeSelector.op("Conv")));
        assertArrayEquals(new long[] {5, 3, 3, 3}, weightOf(m, "Conv", 1).dims());
        before.assertWithin(m, 1e-4);
        ModelReader.read(ModelWriter.toBytes(m), Optional.empty(), "pruned");
    }

    @Test
    void bnGammaPrunesTheSmallestScalesAndMustPrecedeFoldBatchNorm() {
        Model m = chain(false);
        Tensor g = weightOf(m, "BatchNormalization", 1);
        float[] gamma = g.toFloatArray();
        for (int c : DEAD) {
            gamma[c] = 0.01f;
        }
        new dev.onnxpress.ir.Rewriter(m).setInitializer(m.graph().findValue("g").orElseThrow(),
                Tensor.ofFloats(new long[] {8}, gamma));
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = prune(m, PruneChannelsOptions.of(Criterion.bn_gamma, 3 / 8.0));
        assertEquals(3L, r.statistics().get("channels_pruned"));
        before.assertWithin(m, 1e-4);
        List<Placement> p = pass.placement(PruneChannelsOptions.of(Criterion.bn_gamma, 0.5));
        assertEquals(1, p.size());
        assertEquals(Placement.Kind.BEFORE, p.get(0).kind());
        assertEquals("fold_batchnorm", p.get(0).otherPass());
        assertFalse(p.get(0).fix().isEmpty());
        assertTrue(pass.placement(l1(0.5)).isEmpty());
    }

    @Test
    void bnGammaWithoutBatchNormIsASkip() {
        Model m = flattenGemm();
        PassResult r = prune(m, PruneChannelsOptions.of(Criterion.bn_gamma, 0.5));
        assertFalse(r.changed());
        assertTrue(r.skips().stream().anyMatch(s -> s.reason().contains("no BatchNormalization")), r.skips().toString());
    }

    @Test
    void defaultsAreReadable() {
        PruneChannelsOptions o = PassOptions.defaults(PruneChannelsOptions.class);
        assertEquals(Criterion.l1, o.criterion());
        assertEquals(Scope.global, o.scope());
        assertFalse(o.compensate());
    }

    // ------------------------------------------------------------------ groups

    @Test
    void residualAddGetsOneKeepSet() {
        Tensor wa = kill(randn(8, 3, 3, 3), DEAD, 0);
        Tensor wb = kill(randn(8, 8, 3, 3), DEAD, 0);
        Model m = GraphBuilder.model("res").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("wa", wa).initializer("wb", wb).initializer("wc", randn(4, 8, 1, 1))
                .node("Conv", List.of("x", "wa"), List.of("a"), conv3x3())
                .node("Relu", List.of("a"), List.of("ra"))
                .node("Conv", List.of("ra", "wb"), List.of("b"), conv3x3())
                .node("Add", List.of("ra", "b"), List.of("s"))
                .node("Conv", List.of("s", "wc"), List.of("y"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .output("y", DataType.FLOAT, "N", 4, 8, 8).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = prune(m, l1(3 / 8.0).withScope(Scope.layer));
        assertEquals(3L, r.statistics().get("channels_pruned"));
        assertArrayEquals(new long[] {5, 3, 3, 3}, weightOf(m, "Conv", 1).dims());
        assertArrayEquals(new long[] {5, 5, 3, 3}, weightOf(m, "Conv_1", 1).dims());
        assertArrayEquals(new long[] {4, 5, 1, 1}, weightOf(m, "Conv_2", 1).dims());
        before.assertWithin(m, 1e-4);
    }

    @Test
    void concatMapsOffsetsAndDepthwiseFollows() {
        Set<Integer> deadB = Set.of(0, 2);
        Model m = GraphBuilder.model("cat").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("wa", kill(randn(8, 3, 3, 3), DEAD, 0))
                .initializer("wb", kill(randn(4, 3, 3, 3), deadB, 0))
                .initializer("wd", randn(12, 1, 3, 3)).initializer("bd", randn(12))
                .initializer("wc", randn(6, 12, 1, 1))
                .node("Conv", List.of("x", "wa"), List.of("a"), conv3x3())
                .node("Conv", List.of("x", "wb"), List.of("b"), conv3x3())
                .node("Concat", List.of("a", "b"), List.of("cat"), Map.of("axis", Attr.of(1L)))
                .node("Conv", List.of("cat", "wd", "bd"), List.of("dw"),
                        Map.of("kernel_shape", Attr.ofInts(3, 3), "pads", Attr.ofInts(1, 1, 1, 1),
                                "group", Attr.of(12L)))
                .node("Conv", List.of("dw", "wc"), List.of("y"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .output("y", DataType.FLOAT, "N", 6, 8, 8).build();
        // the dead channels' depthwise outputs are a constant bias: route it nowhere by zeroing the bias there
        float[] bd = weightOf(m, "Conv_2", 2).toFloatArray();
        for (int c : List.of(1, 4, 6, 8, 10)) {
            bd[c] = 0;
        }
        new dev.onnxpress.ir.Rewriter(m).setInitializer(m.graph().findValue("bd").orElseThrow(),
                Tensor.ofFloats(new long[] {12}, bd));
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = prune(m, l1(5 / 12.0).withLayers(n -> !n.name().equals("Conv_3")));
        assertEquals(5L, r.statistics().get("channels_pruned"));
        assertArrayEquals(new long[] {7, 1, 3, 3}, weightOf(m, "Conv_2", 1).dims());
        assertEquals(7L, m.graph().findNode("Conv_2").orElseThrow().attrInt("group", 0));
        assertArrayEquals(new long[] {6, 7, 1, 1}, weightOf(m, "Conv_3", 1).dims());
        before.assertWithin(m, 1e-4);
    }

    private Model flattenGemm() {
        return GraphBuilder.model("fc").input("x", DataType.FLOAT, "N", 3, 4, 4)
                .initializer("w", kill(randn(8, 3, 3, 3), DEAD, 0))
                .initializer("fc", randn(10, 8 * 4 * 4)).initializer("fb", randn(10))
                .node("Conv", List.of("x", "w"), List.of("c"), conv3x3())
                .node("Relu", List.of("c"), List.of("r"))
                .node("Flatten", List.of("r"), List.of("f"))
                .node("Gemm", List.of("f", "fc", "fb"), List.of("y"), Map.of("transB", Attr.of(1L)))
                .output("y", DataType.FLOAT, "N", 10).build();
    }

    @Test
    void flattenIntoGemmKeepsEachChannelsFeatureBlock() {
        Model m = flattenGemm();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = prune(m, l1(3 / 8.0).withLayers(NodeSelector.op("Conv")));
        assertEquals(3L, r.statistics().get("channels_pruned"));
        assertArrayEquals(new long[] {10, 5 * 16}, weightOf(m, "Gemm", 1).dims());
        before.assertWithin(m, 1e-4);
    }

    @Test
    void gemmHiddenUnitsArePruned() {
        Set<Integer> dead = Set.of(0, 3, 5, 9);
        Model m = GraphBuilder.model("mlp").input("x", DataType.FLOAT, "N", 6)
                .initializer("w1", kill(randn(6, 12), dead, 1)).initializer("b1", kill(randn(12), dead, 0))
                .initializer("w2", randn(12, 3))
                .node("Gemm", List.of("x", "w1", "b1"), List.of("h"))
                .node("Relu", List.of("h"), List.of("r"))
                .node("MatMul", List.of("r", "w2"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = prune(m, l1(4 / 12.0));
        assertEquals(4L, r.statistics().get("channels_pruned"));
        assertArrayEquals(new long[] {6, 8}, weightOf(m, "Gemm", 1).dims());
        assertArrayEquals(new long[] {8, 3}, weightOf(m, "MatMul", 1).dims());
        before.assertWithin(m, 1e-4);
    }

    @Test
    void squeezeExciteMulTiesTheGateToItsInput() {
        Model m = GraphBuilder.model("se").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("w", kill(randn(8, 3, 3, 3), DEAD, 0))
                .initializer("s1", randn(2, 8, 1, 1)).initializer("s1b", randn(2))
                .initializer("s2", kill(randn(8, 2, 1, 1), DEAD, 0)).initializer("s2b", kill(randn(8), DEAD, 0))
                .initializer("wc", randn(4, 8, 1, 1))
                .node("Conv", List.of("x", "w"), List.of("c"), conv3x3())
                .node("GlobalAveragePool", List.of("c"), List.of("p"))
                .node("Conv", List.of("p", "s1", "s1b"), List.of("e1"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .node("Relu", List.of("e1"), List.of("e1r"))
                .node("Conv", List.of("e1r", "s2", "s2b"), List.of("e2"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .node("HardSigmoid", List.of("e2"), List.of("gate"))
                .node("Mul", List.of("c", "gate"), List.of("m"))
                .node("Conv", List.of("m", "wc"), List.of("y"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .output("y", DataType.FLOAT, "N", 4, 8, 8).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = prune(m, l1(3 / 8.0).withScope(Scope.layer).withLayers(n -> n.name().equals("Conv")));
        assertEquals(3L, r.statistics().get("channels_pruned"), r.skips().toString());
        assertArrayEquals(new long[] {5, 2, 1, 1}, weightOf(m, "Conv_2", 1).dims());
        assertArrayEquals(new long[] {2, 5, 1, 1}, weightOf(m, "Conv_1", 1).dims());
        before.assertWithin(m, 1e-4);
    }

    @Test
    void splitOnTheChannelAxisGetsNewSizes() {
        Model m = GraphBuilder.model("split").opset(13).input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("w", kill(randn(8, 3, 3, 3), DEAD, 0))
                .initializer("sizes", Tensor.ofLongs(new long[] {2}, 4, 4))
                .initializer("wa", randn(2, 4, 1, 1)).initializer("wb", randn(2, 4, 1, 1))
                .node("Conv", List.of("x", "w"), List.of("c"), conv3x3())
                .node("Split", List.of("c", "sizes"), List.of("p", "q"), Map.of("axis", Attr.of(1L)))
                .node("Conv", List.of("p", "wa"), List.of("ya"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .node("Conv", List.of("q", "wb"), List.of("yb"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .output("ya", DataType.FLOAT, "N", 2, 8, 8).output("yb", DataType.FLOAT, "N", 2, 8, 8).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        prune(m, l1(3 / 8.0).withLayers(n -> n.name().equals("Conv")));
        assertArrayEquals(new long[] {3, 2}, m.graph().constantValue(m.graph().findNode("Split").orElseThrow()
                .input(1)).orElseThrow().toLongArray());
        assertArrayEquals(new long[] {2, 3, 1, 1}, weightOf(m, "Conv_1", 1).dims());
        before.assertWithin(m, 1e-4);
    }

    // ------------------------------------------------------------------ what must not change

    @Test
    void graphOutputsAndUnknownReadersLeaveTheGroupWhole() {
        Model m = GraphBuilder.model("out").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("w", randn(8, 3, 3, 3)).initializer("w2", randn(8, 8, 1, 1))
                .node("Conv", List.of("x", "w"), List.of("c"), conv3x3())
                .node("LRN", List.of("c"), List.of("l"), Map.of("size", Attr.of(3L)))
                .node("Conv", List.of("l", "w2"), List.of("y"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .output("y", DataType.FLOAT, "N", 8, 8, 8).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = prune(m, l1(0.5));
        assertFalse(r.changed());
        assertEquals(2L, r.statistics().get("groups_skipped"));
        assertTrue(r.skips().stream().anyMatch(s -> s.where().equals("Conv") && s.reason().contains("LRN")),
                r.skips().toString());
        assertTrue(r.skips().stream().anyMatch(s -> s.where().equals("Conv_1") && s.reason().contains("graph output")),
                r.skips().toString());
        before.assertBitIdentical(m);
    }

    @Test
    void roundToAndMinChannelsBoundTheKeptCount() {
        Model m = GraphBuilder.model("round").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("w", randn(32, 3, 3, 3)).initializer("w2", randn(4, 32, 1, 1))
                .node("Conv", List.of("x", "w"), List.of("c"), conv3x3())
                .node("Conv", List.of("c", "w2"), List.of("y"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .output("y", DataType.FLOAT, "N", 4, 8, 8).build();
        Model a = m.copy();
        prune(a, l1(0.7).withRounding(1, 8));
        assertEquals(16, weightOf(a, "Conv", 1).dim(0)); // 32 − 22 = 10 → 16
        Model b = m.copy();
        prune(b, l1(0.9).withRounding(12, 1));
        assertEquals(12, weightOf(b, "Conv", 1).dim(0));
        Model c = m.copy();
        OrtEquivalence.run(c, OrtEquivalence.randomFeeds(c, 1, Map.of()));
        prune(c, l1(0.0));
        assertEquals(32, weightOf(c, "Conv", 1).dim(0));
    }

    @Test
    void perLayerRatiosOverrideTheSharedRatio() {
        Model m = GraphBuilder.model("ratios").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("wa", randn(32, 3, 3, 3)).initializer("wb", randn(32, 32, 3, 3))
                .initializer("wc", randn(4, 32, 1, 1))
                .node("Conv", List.of("x", "wa"), List.of("a"), conv3x3())
                .node("Conv", List.of("a", "wb"), List.of("b"), conv3x3())
                .node("Conv", List.of("b", "wc"), List.of("y"), Map.of("kernel_shape", Attr.ofInts(1, 1)))
                .output("y", DataType.FLOAT, "N", 4, 8, 8).build();
        Node first = m.graph().nodes().get(0);
        NodeSelector isFirst = n -> n.name().equals(first.name());
        for (Scope scope : Scope.values()) {
            Model c = m.copy();
            prune(c, l1(0.25).withScope(scope).withLayerRatios(List.of(isFirst), List.of(0.75)));
            List<Node> convs = c.graph().nodes();
            assertEquals(8, c.graph().constantValue(convs.get(0).input(1)).orElseThrow().dim(0), scope.name());
            assertEquals(24, c.graph().constantValue(convs.get(1).input(1)).orElseThrow().dim(0), scope.name());
            assertEquals(8, c.graph().constantValue(convs.get(1).input(1)).orElseThrow().dim(1));
            OrtEquivalence.run(c, OrtEquivalence.randomFeeds(c, 1, Map.of()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> l1(0.25).withLayerRatios(List.of(isFirst), List.of(0.5, 0.6)));
        assertTrue(e.getMessage().contains("one ratio per selector"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> l1(0.25).withLayerRatios(List.of(isFirst), List.of(1.0)));
        PruneChannelsOptions d = PassOptions.defaults(PruneChannelsOptions.class);
        assertTrue(d.ratios().isEmpty() && d.ratio_layers().isEmpty());
    }

    @Test
    void selectorMatchingNoLayerIsAnError() {
        Model m = chain(false);
        PassException e = assertThrows(PassException.class,
                () -> prune(m, l1(0.5).withLayers(n -> n.name().equals("nothing"))));
        assertTrue(e.getMessage().contains("selects no"), e.getMessage());
    }

    @Test
    void activationAndCompensationNeedCalibration() {
        Model m = chain(false);
        PassException e = assertThrows(PassException.class,
                () -> prune(m, PruneChannelsOptions.of(Criterion.activation, 0.5)));
        assertTrue(e.getMessage().contains("calibration"), e.getMessage());
    }

    // ------------------------------------------------------------------ data-driven

    private List<Map<String, Tensor>> batches(int count, long... dims) {
        List<Map<String, Tensor>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Map.of("x", randn(dims)));
        }
        return out;
    }

    @Test
    void activationCriterionFindsSilentChannels() {
        Model m = chain(false);
        OrtEquivalence before = OrtEquivalence.capture(m);
        SampleContext ctx = new SampleContext(Map.of("calib", batches(3, 4, 3, 8, 8)));
        PassResult r = pass.run(m, PruneChannelsOptions.of(Criterion.activation, 3 / 8.0)
                .withLayers(n -> n.name().equals("Conv")).withCalibration(new DataRef("calib")), ctx);
        assertEquals(3L, r.statistics().get("channels_pruned"));
        before.assertWithin(m, 1e-4);
    }

    @Test
    void compensationRecoversTheNextLayersOutput() {
        Model m = GraphBuilder.model("comp").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("w1", randn(16, 3, 3, 3)).initializer("w2", randn(6, 16, 3, 3))
                .initializer("b2", randn(6)).initializer("fc", randn(6 * 64, 4))
                .node("Conv", List.of("x", "w1"), List.of("c1"), conv3x3())
                .node("Relu", List.of("c1"), List.of("r1"))
                .node("Conv", List.of("r1", "w2", "b2"), List.of("c2"), conv3x3())
                .node("Flatten", List.of("c2"), List.of("f"))
                .node("MatMul", List.of("f", "fc"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 4).build();
        Map<String, Tensor> probe = Map.of("x", randn(8, 3, 8, 8));
        OrtEquivalence before = OrtEquivalence.capture(m, probe);
        SampleContext ctx = new SampleContext(Map.of("calib", batches(4, 16, 3, 8, 8)));
        PruneChannelsOptions o = l1(0.5).withLayers(n -> n.name().equals("Conv"));
        Model plain = m.copy();
        pass.run(plain, o, ctx);
        PassResult r = pass.run(m, o.withCompensation(new DataRef("calib")), ctx);
        assertEquals(1L, r.statistics().get("layers_refit").longValue());
        double errBefore = r.statistics().get("refit_error_before").doubleValue();
        double errAfter = r.statistics().get("refit_error_after").doubleValue();
        assertTrue(errAfter < errBefore * 0.8, errBefore + " -> " + errAfter);
        double plainDiff = before.maxAbsDifference(plain);
        double compDiff = before.maxAbsDifference(m);
        assertTrue(compDiff < plainDiff, "compensated " + compDiff + " vs plain " + plainDiff);
        assertArrayEquals(new long[] {6, 8, 3, 3}, weightOf(m, "Conv_1", 1).dims());
    }

    /**
     * Calibration batches may be generated on every read (random data sets are): compensation reads each batch
     * a fixed number of times, not once per batch and consumer again (it counted the samples inside the
     * per-batch loop: 512 generated samples made that quadratic, hours on a ResNet-50).
     */
    @Test
    void compensationReadsEachCalibrationBatchAFixedNumberOfTimes() {
        Model m = GraphBuilder.model("reads").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("w1", randn(16, 3, 3, 3)).initializer("w2", randn(6, 16, 3, 3))
                .initializer("w3", randn(4, 16, 1, 1))
                .node("Conv", List.of("x", "w1"), List.of("c1"), conv3x3())
                .node("Relu", List.of("c1"), List.of("r1"))
                .node("Conv", List.of("r1", "w2"), List.of("c2"), conv3x3())
                .node("Conv", List.of("r1", "w3"), List.of("c3"))
                .output("c2", DataType.FLOAT, "N", 6, 8, 8).output("c3", DataType.FLOAT, "N", 4, 8, 8).build();
        int count = 40;
        List<Map<String, Tensor>> data = batches(count, 1, 3, 8, 8);
        int[] reads = new int[1];
        List<Map<String, Tensor>> counted = new java.util.AbstractList<>() {
            @Override
            public Map<String, Tensor> get(int i) {
                reads[0]++;
                return data.get(i);
            }

            @Override
            public int size() {
                return data.size();
            }
        };
        PassResult r = pass.run(m, l1(0.5).withLayers(n -> n.name().equals("Conv"))
                .withCompensation(new DataRef("calib")), new SampleContext(Map.of("calib", counted)));
        assertEquals(2L, r.statistics().get("layers_refit").longValue());
        // one run of the original, one per consumer group, one count: a few reads per batch, never count per batch
        assertTrue(reads[0] <= 6 * count, reads[0] + " reads of " + count + " batches");
    }

    // ------------------------------------------------------------------ criterion=reconstruction, refit_ridge

    /**
     * Conv(8) → Relu → Conv(5): the DEAD channels have the largest filters (l1 keeps them) but the next
     * Conv never reads them (zero input slices), so they change nothing downstream.
     */
    private Model unreadChannels() {
        Tensor w1 = randn(8, 3, 3, 3);
        float[] v = w1.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            if (DEAD.contains(i / 27)) {
                v[i] *= 10;
            }
        }
        return GraphBuilder.model("unread").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("w1", Tensor.ofFloats(w1.dims(), v)).initializer("w2", kill(randn(5, 8, 3, 3), DEAD, 1))
                .node("Conv", List.of("x", "w1"), List.of("c1"), conv3x3())
                .node("Relu", List.of("c1"), List.of("r"))
                .node("Conv", List.of("r", "w2"), List.of("y"), conv3x3())
                .output("y", DataType.FLOAT, "N", 5, 8, 8).build();
    }

    @Test
    void reconstructionRemovesTheChannelsTheNextConvDoesNotRead() {
        Model m = unreadChannels();
        OrtEquivalence before = OrtEquivalence.capture(m);
        SampleContext ctx = new SampleContext(Map.of("calib", batches(3, 4, 3, 8, 8)));
        Model byNorm = m.copy();
        pass.run(byNorm, l1(3 / 8.0), ctx);
        PassResult r = pass.run(m, PruneChannelsOptions.of(Criterion.reconstruction, 3 / 8.0)
                .withCalibration(new DataRef("calib")), ctx);
        assertEquals(3L, r.statistics().get("channels_pruned"));
        assertArrayEquals(new long[] {5, 5, 3, 3}, weightOf(m, "Conv_1", 1).dims());
        before.assertWithin(m, 1e-4);
        assertTrue(before.maxAbsDifference(byNorm) > 1e-2, "l1 should have cut channels that matter");
    }

    @Test
    void reconstructionReadsChannelsThroughFlattenIntoGemm() {
        // the DEAD channels' feature blocks (c·16 … c·16+15) have zero rows in the Gemm weight
        float[] fc = randn(8 * 16, 4).toFloatArray();
        for (int i = 0; i < fc.length; i++) {
            if (DEAD.contains(i / 4 / 16)) {
                fc[i] = 0;
            }
        }
        Model m = GraphBuilder.model("flat").input("x", DataType.FLOAT, "N", 3, 4, 4)
                .initializer("w1", randn(8, 3, 3, 3)).initializer("fc", Tensor.ofFloats(new long[] {8 * 16, 4}, fc))
                .initializer("b", randn(4))
                .node("Conv", List.of("x", "w1"), List.of("c1"), conv3x3())
                .node("Relu", List.of("c1"), List.of("r"))
                .node("Flatten", List.of("r"), List.of("f"))
                .node("Gemm", List.of("f", "fc", "b"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 4).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        SampleContext ctx = new SampleContext(Map.of("calib", batches(2, 8, 3, 4, 4)));
        PassResult r = pass.run(m, PruneChannelsOptions.of(Criterion.reconstruction, 3 / 8.0)
                .withCalibration(new DataRef("calib")), ctx);
        assertEquals(3L, r.statistics().get("channels_pruned"));
        assertArrayEquals(new long[] {5 * 16, 4}, weightOf(m, "Gemm", 1).dims());
        before.assertWithin(m, 1e-4);
    }

    @Test
    void reconstructionNeedsCalibration() {
        PassException e = assertThrows(PassException.class,
                () -> prune(chain(false), PruneChannelsOptions.of(Criterion.reconstruction, 0.5)));
        assertTrue(e.getMessage().contains("criterion=reconstruction needs calibration"), e.getMessage());
    }

    @Test
    void greedyRemovesChannelsThatCancelTogether() {
        // shares z0 = −z1 cancel: removing both costs nothing, removing one alone costs 1; z2 costs 0.5
        double[][] gram = {{1, -1, 0}, {-1, 1, 0}, {0, 0, 0.5}};
        double[] s = ReconstructionScores.greedy(gram);
        assertTrue(s[2] < s[0] && s[0] < s[1], java.util.Arrays.toString(s)); // order 2, 0, 1
        assertEquals(0.5, s[2], 1e-12);
        assertEquals(1.5, s[0], 1e-12);
        // the error falls back to 0.5 once 1 goes too; the score stays increasing along the order
        assertTrue(s[1] > 1.5 && s[1] < 1.5 + 1e-9, java.util.Arrays.toString(s));
    }

    @Test
    void wideConsumersSampleFewerRowsSoTheGramCostStaysBounded() {
        assertEquals(ReconstructionScores.ROWS, ReconstructionScores.rows(128));
        assertEquals(4096, ReconstructionScores.rows(1024));
        assertEquals(ReconstructionScores.MIN_ROWS, ReconstructionScores.rows(8192));
        for (int c = 1; c <= 8192; c *= 2) {
            assertTrue((long) ReconstructionScores.rows(c) * c * c <= Math.max(ReconstructionScores.GRAM_WORK,
                    (long) ReconstructionScores.MIN_ROWS * c * c), "C=" + c);
        }
    }

    @Test
    void heldOutRidgeRefitsWithAGridRidgeAndBeatsPlainPruning() {
        Model m = GraphBuilder.model("ridge").input("x", DataType.FLOAT, "N", 3, 8, 8)
                .initializer("w1", randn(16, 3, 3, 3)).initializer("w2", randn(6, 16, 3, 3))
                .initializer("b2", randn(6))
                .node("Conv", List.of("x", "w1"), List.of("c1"), conv3x3())
                .node("Relu", List.of("c1"), List.of("r1"))
                .node("Conv", List.of("r1", "w2", "b2"), List.of("y"), conv3x3())
                .output("y", DataType.FLOAT, "N", 6, 8, 8).build();
        Map<String, Tensor> probe = Map.of("x", randn(8, 3, 8, 8));
        OrtEquivalence before = OrtEquivalence.capture(m, probe);
        SampleContext ctx = new SampleContext(Map.of("calib", batches(4, 16, 3, 8, 8)));
        PruneChannelsOptions o = PruneChannelsOptions.of(Criterion.reconstruction, 0.5).withCalibration(
                new DataRef("calib"));
        Model plain = m.copy();
        pass.run(plain, o, ctx);
        PassResult r = pass.run(m, o.withCompensation(new DataRef("calib"))
                .withRefitRidge(PruneChannelsOptions.RefitRidge.held_out), ctx);
        assertEquals(1L, r.statistics().get("layers_refit").longValue());
        assertTrue(r.statistics().get("refit_error_after").doubleValue()
                < r.statistics().get("refit_error_before").doubleValue() * 0.8, r.statistics().toString());
        List<?> rows = (List<?>) r.details().get("compensation");
        double ridge = (double) ((Map<?, ?>) rows.get(0)).get("ridge");
        assertTrue(java.util.Arrays.stream(ConsumerRefit.RIDGES).anyMatch(l -> l == ridge), "ridge " + ridge);
        assertTrue(before.maxAbsDifference(m) < before.maxAbsDifference(plain));
        assertArrayEquals(new long[] {6, 8, 3, 3}, weightOf(m, "Conv_1", 1).dims());
    }

    @Test
    void aStrongRidgeWinsOnHeldOutRowsWhenTheFitHasFewRowsPerUnknown() {
        RidgeSolver fit = new RidgeSolver(40, 1);
        RidgeSolver held = new RidgeSolver(40, 1);
        Random r = new Random(5);
        // y = x₀ + noise; 40 features and 50 rows: the unregularized fit chases the noise
        for (int i = 0; i < 60; i++) {
            double[] x = new double[40];
            for (int j = 0; j < x.length; j++) {
                x[j] = r.nextGaussian();
            }
            (i < 50 ? fit : held).addRow(x, new float[] {(float) (x[0] + 2 * r.nextGaussian())});
        }
        double weak = held.relativeError(fit.solve(1e-6).orElseThrow());
        double strong = held.relativeError(fit.solve(1).orElseThrow());
        assertTrue(strong < weak, strong + " vs " + weak);
        RidgeSolver all = fit.plus(held);
        assertEquals(60, all.rows());
    }

    @Test
    void solvesWithReusedBuffersEqualFreshSolvesAndAbsorbEqualsPlus() {
        Random r = new Random(9);
        RidgeSolver big = new RidgeSolver(12, 3);
        RidgeSolver a = new RidgeSolver(7, 2);
        RidgeSolver b = new RidgeSolver(7, 2);
        for (int i = 0; i < 40; i++) {
            double[] x = new double[12];
            for (int j = 0; j < x.length; j++) {
                x[j] = r.nextGaussian();
            }
            big.addRow(x, new float[] {(float) x[0], (float) (x[1] - x[2]), (float) r.nextGaussian()});
            double[] x7 = java.util.Arrays.copyOf(x, 7);
            (i % 3 == 0 ? b : a).addRow(x7, new float[] {(float) (x7[3] + 0.1 * r.nextGaussian()), (float) x7[6]});
        }
        RidgeSolver.Scratch scratch = new RidgeSolver.Scratch();
        // a larger system first: the smaller one then runs in buffers holding another system's values
        double[][] bigReused = big.solve(1e-3, scratch).orElseThrow();
        RidgeSolver plus = a.plus(b);
        double[][] fresh = plus.solve(1e-3).orElseThrow();
        RidgeSolver absorbed = a.absorb(b);
        assertEquals(plus.rows(), absorbed.rows());
        double[][] reused = absorbed.solve(1e-3, scratch).orElseThrow();
        for (int i = 0; i < fresh.length; i++) {
            assertArrayEquals(fresh[i], reused[i], 0.0);
        }
        double[][] bigFresh = big.solve(1e-3).orElseThrow();
        for (int i = 0; i < bigFresh.length; i++) {
            assertArrayEquals(bigFresh[i], bigReused[i], 0.0);
        }
        assertEquals(plus.relativeError(fresh), absorbed.relativeError(reused), 0.0);
    }
}
