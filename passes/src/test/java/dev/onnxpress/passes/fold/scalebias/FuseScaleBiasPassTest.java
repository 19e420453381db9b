package dev.onnxpress.passes.fold.scalebias;

import static dev.onnxpress.passes.fold.FoldFixtures.assertClose;
import static dev.onnxpress.passes.fold.FoldFixtures.count;
import static dev.onnxpress.passes.fold.FoldFixtures.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class FuseScaleBiasPassTest {
    private static final double TOL = 1e-5;

    static PassResult fuse(Model m) {
        return new FuseScaleBiasPass().run(m, new FuseScaleBiasOptions(), new NoDataContext());
    }

    static long[] dims(String s) {
        if (s.equals("scalar")) {
            return new long[0];
        }
        String[] p = s.split("x");
        long[] d = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = Long.parseLong(p[i]);
        }
        return d;
    }

    /** Conv (6 output channels, 2-D) → op(·, constant of the given shape) → output. */
    static Model convThen(String op, String constShape, boolean bias, int group) {
        GraphBuilder b = GraphBuilder.model("conv_" + op).input("x", DataType.FLOAT, "batch", 4, 5, 5)
                .initializer("w", random(1, 6, 4 / group, 3, 3))
                .initializer("k", random(DataType.FLOAT, 2, 0.5, 1.5, dims(constShape)));
        if (bias) {
            b.initializer("bias", random(3, 6));
        }
        return b.node("Conv", bias ? List.of("x", "w", "bias") : List.of("x", "w"), List.of("c"),
                        Map.of("group", Attr.of((long) group)))
                .node(op, List.of("c", "k"), List.of("y"))
                .output("y").build();
    }

    @ParameterizedTest
    @CsvSource({"Mul,6x1x1,true,1", "Mul,1x6x1x1,false,2", "Mul,scalar,true,1", "Mul,1,false,1",
            "Add,6x1x1,true,1", "Add,1x6x1x1,false,1", "Add,scalar,false,2", "Add,1x1x1,true,1"})
    void fusesPerChannelConstantsIntoConv(String op, String shape, boolean bias, int group) {
        Model m = convThen(op, shape, bias, group);
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = fuse(m);
        assertTrue(r.changed());
        assertEquals(0, count(m, op));
        assertClose(before, m, TOL);
        assertEquals("y", m.graph().outputs().get(0).name());
    }

    @ParameterizedTest
    @CsvSource({"Mul,6", "Add,6", "Mul,1x6x5x5", "Add,2x6x1x1", "Mul,1x1x1x1x1"})
    void skipsConstantsThatAreNotPerOutputChannel(String op, String shape) {
        Model m = convThen(op, shape, true, 1);
        PassResult r = fuse(m);
        assertFalse(r.changed());
        assertEquals(1, count(m, op));
        assertEquals(1, r.skips().size());
    }

    @Test
    void fusesAChainOfMulThenAdd() {
        GraphBuilder b = GraphBuilder.model("chain").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .initializer("w", random(1, 5, 3, 1, 1)).initializer("s", random(2, 1, 5, 1, 1))
                .initializer("t", random(3, 5, 1, 1));
        Model m = b.node("Conv", List.of("x", "w"), List.of("c"))
                .node("Mul", List.of("s", "c"), List.of("m"))
                .node("Add", List.of("m", "t"), List.of("y")).output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fuse(m);
        assertEquals(1, m.graph().nodeCount());
        assertClose(before, m, TOL);
    }

    @ParameterizedTest
    @CsvSource({"Mul,0,true", "Mul,1,false", "Add,0,false", "Add,1,true"})
    void fusesIntoGemm(String op, int transB, boolean c) {
        GraphBuilder b = GraphBuilder.model("gemm").input("a", DataType.FLOAT, 3, 5)
                .initializer("b", random(1, transB == 1 ? new long[] {4, 5} : new long[] {5, 4}))
                .initializer("c", random(2, 4)).initializer("k", random(DataType.FLOAT, 3, 0.5, 1.5, 1, 4));
        Model m = b.node("Gemm", c ? List.of("a", "b", "c") : List.of("a", "b"), List.of("g"),
                        Map.of("transB", Attr.of((long) transB), "beta", Attr.of(0.5f)))
                .node(op, List.of("g", "k"), List.of("y")).output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fuse(m);
        assertEquals(0, count(m, op));
        assertClose(before, m, TOL);
    }

    @Test
    void skipsWhenTheConvOutputHasOtherReaders() {
        GraphBuilder b = GraphBuilder.model("fan").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .initializer("w", random(1, 5, 3, 1, 1)).initializer("s", random(2, 5, 1, 1));
        Model m = b.node("Conv", List.of("x", "w"), List.of("c"))
                .node("Mul", List.of("c", "s"), List.of("y"))
                .node("Relu", List.of("c"), List.of("r")).output("y").output("r").build();
        PassResult r = fuse(m);
        assertFalse(r.changed());
        assertTrue(r.skips().get(0).reason().contains("other consumers"));
    }

    @Test
    void sharedWeightsAreCopied() {
        GraphBuilder b = GraphBuilder.model("shared").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .initializer("w", random(1, 5, 3, 1, 1)).initializer("s", random(2, 5, 1, 1));
        Model m = b.node("Conv", List.of("x", "w"), List.of("c"))
                .node("Mul", List.of("c", "s"), List.of("y"))
                .node("Conv", List.of("x", "w"), List.of("y2")).output("y").output("y2").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        fuse(m);
        assertEquals(0, count(m, "Mul"));
        assertClose(before, m, TOL);
    }
}
