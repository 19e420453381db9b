package dev.onnxpress.passes.fold.cse;

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
import org.junit.jupiter.api.Test;

class EliminateCommonSubexpressionsPassTest {

    static PassResult cse(Model m) {
        return new EliminateCommonSubexpressionsPass().run(m, new EliminateCommonSubexpressionsOptions(), new NoDataContext());
    }

    @Test
    void mergesIdenticalNodesAndTheirIdenticalReaders() {
        Model m = GraphBuilder.model("cse").input("x", DataType.FLOAT, 1, 3, 4, 4)
                .initializer("w", random(1, 2, 3, 1, 1))
                .node("Conv", List.of("x", "w"), List.of("a"))
                .node("Conv", List.of("x", "w"), List.of("b"))
                .node("Relu", List.of("a"), List.of("ra"))
                .node("Relu", List.of("b"), List.of("rb"))
                .node("Add", List.of("ra", "rb"), List.of("y"))
                .output("y").build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = cse(m);
        assertEquals(2L, r.statistics().get("nodes_removed"));
        assertEquals(1, count(m, "Conv"));
        assertEquals(1, count(m, "Relu"));
        before.assertBitIdentical(m);
    }

    @Test
    void keepsNodesThatDifferInAttributesOrAreGraphOutputs() {
        Model m = GraphBuilder.model("keep").input("x", DataType.FLOAT, 2, 6)
                .node("Softmax", List.of("x"), List.of("a"), Map.of("axis", Attr.of(0L)))
                .node("Softmax", List.of("x"), List.of("b"), Map.of("axis", Attr.of(1L)))
                .node("Relu", List.of("x"), List.of("c"))
                .node("Relu", List.of("x"), List.of("d"))
                .output("a").output("b").output("c").output("d").build();
        assertFalse(cse(m).changed());
        assertEquals(2, count(m, "Relu"));
    }

    @Test
    void keepsRandomOps() {
        Model m = GraphBuilder.model("rand").input("x", DataType.FLOAT, 2, 6)
                .node("RandomNormalLike", List.of("x"), List.of("a"))
                .node("RandomNormalLike", List.of("x"), List.of("b"))
                .node("Add", List.of("a", "b"), List.of("y"))
                .output("y").build();
        assertFalse(cse(m).changed());
        assertTrue(count(m, "RandomNormalLike") == 2);
    }
}
