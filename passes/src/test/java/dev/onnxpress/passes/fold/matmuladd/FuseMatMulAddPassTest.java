package dev.onnxpress.passes.fold.matmuladd;

import static dev.onnxpress.passes.fold.FoldFixtures.assertClose;
import static dev.onnxpress.passes.fold.FoldFixtures.count;
import static dev.onnxpress.passes.fold.FoldFixtures.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FuseMatMulAddPassTest {

    static PassResult fuse(Model m) {
        return new FuseMatMulAddPass().run(m, new FuseMatMulAddOptions(), new NoDataContext());
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

    /** x[?,8] → Flatten → MatMul(·, W[8,5]) → Add(bias) → y. */
    static Model flattenMatMulAdd(String biasShape, boolean biasFirst) {
        return GraphBuilder.model("mm").input("x", DataType.FLOAT, "batch", 2, 4)
                .initializer("w", random(1, 8, 5)).initializer("b", random(2, dims(biasShape)))
                .node("Flatten", List.of("x"), List.of("f"))
                .node("MatMul", List.of("f", "w"), List.of("m"))
                .node("Add", biasFirst ? List.of("b", "m") : List.of("m", "b"), List.of("y"))
                .output("y").build();
    }

    @ParameterizedTest
    @CsvSource({"5,false", "5,true", "1x5,false", "1,false", "scalar,true"})
    void fusesIntoGemmWhenTheInputIsKnownToBeRank2(String biasShape, boolean biasFirst) {
        Model m = flattenMatMulAdd(biasShape, biasFirst);
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = fuse(m);
        assertTrue(r.changed());
        assertEquals(1, count(m, "Gemm"));
        assertEquals(0, count(m, "MatMul") + count(m, "Add"));
        assertEquals("y", m.graph().outputs().get(0).name());
        assertClose(before, m, 1e-6);
    }

    @Test
    void leavesABatchedMatMulAlone() {
        Model m = GraphBuilder.model("mm3").input("x", DataType.FLOAT, "batch", 2, 8)
                .initializer("w", random(1, 8, 5)).initializer("b", random(2, 5))
                .node("MatMul", List.of("x", "w"), List.of("m"))
                .node("Add", List.of("m", "b"), List.of("y"))
                .output("y").build();
        PassResult r = fuse(m);
        assertFalse(r.changed());
        assertEquals(1, r.skips().size());
    }

    @Test
    void leavesABiasThatBroadcastsTheOutputAlone() {
        Model m = flattenMatMulAdd("3x5", false);
        PassResult r = fuse(m);
        assertFalse(r.changed());
        assertEquals(1, count(m, "MatMul"));
    }

    @Test
    void leavesAMatMulWithAnotherReaderAlone() {
        Model m = GraphBuilder.model("fan").input("x", DataType.FLOAT, 3, 8)
                .initializer("w", random(1, 8, 5)).initializer("b", random(2, 5))
                .node("MatMul", List.of("x", "w"), List.of("m"))
                .node("Add", List.of("m", "b"), List.of("y"))
                .node("Relu", List.of("m"), List.of("z"))
                .output("y").output("z").build();
        assertFalse(fuse(m).changed());
    }
}
