package dev.onnxpress.passes.strip.deadnodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RemoveDeadNodesPassTest {
    private static final RemoveDeadNodesPass PASS = new RemoveDeadNodesPass();

    private static PassResult run(Model m, boolean removeCustom) {
        return PASS.run(m, new RemoveDeadNodesOptions(removeCustom), new NoDataContext());
    }

    @Test
    void removesUnreadChainsButKeepsWhatOutputsNeed() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, "batch", 3)
                .constant("k", Tensor.scalarFloat(2))
                .node("Mul", List.of("x", "k"), List.of("xk"))
                .node("Relu", List.of("xk"), List.of("y"))
                .node("Sigmoid", List.of("xk"), List.of("dead1"))
                .node("Neg", List.of("dead1"), List.of("dead2"))
                .constant("unused_const", Tensor.scalarFloat(3))
                .constant("kk", Tensor.ofLongs(new long[] {1}, 1))
                .node("TopK", List.of("y", "kk"), List.of("vals", "idx"))
                .output("y", DataType.FLOAT, "batch", 3)
                .output("idx", DataType.INT64, "batch", 1)
                .build();
        // TopK has one output read (idx) and one not (vals): the node stays whole
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m, false);
        assertThat(r.changed()).isTrue();
        assertThat(r.statistics()).containsEntry("nodes_removed", 3L);
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Constant", "Mul", "Relu", "TopK")
                .containsEntry("Constant", 2);
        before.assertBitIdentical(m);
        assertThat(run(m, false).changed()).isFalse();
    }

    @Test
    void outerValuesReadOnlyInsideALiveSubgraphStayAndDeadSubgraphNodesGo() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .input("c", DataType.BOOL)
                .node("Sigmoid", List.of("x"), List.of("s"))
                .node("Tanh", List.of("x"), List.of("only_dead_reader"))
                .ifNode("c", List.of("y"),
                        t -> t.node("Neg", List.of("s"), List.of("t1"))
                                .node("Abs", List.of("only_dead_reader"), List.of("t_dead"))
                                .output("t1"),
                        e -> e.node("Relu", List.of("x"), List.of("e1")).output("e1"))
                .ifNode("c", List.of("dead_if"),
                        t -> t.node("Exp", List.of("s"), List.of("t9")).output("t9"),
                        e -> e.node("Log", List.of("s"), List.of("e9")).output("e9"))
                .output("y", DataType.FLOAT, 3).build();
        for (int cond = 0; cond <= 1; cond++) {
            Model copy = m.copy();
            OrtEquivalence before = OrtEquivalence.capture(copy, Map.of(
                    "x", Tensor.ofFloats(new long[] {3}, -1, 0.25f, 4),
                    "c", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) cond)));
            PassResult r = run(copy, false);
            // the dead If (with its two bodies), the Abs inside the live If, then the Tanh only it read
            assertThat(r.statistics()).containsEntry("nodes_removed", 3L);
            assertThat(copy.graph().opHistogram()).containsOnlyKeys("Sigmoid", "If", "Neg", "Relu");
            before.assertBitIdentical(copy);
        }
    }

    @Test
    void keepsUnreadCustomDomainNodesUnlessAsked() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .node("Relu", List.of("x"), List.of("y"))
                .node("Neg", List.of("x"), List.of("n"))
                .customNode("com.example", "Logger", List.of("n"), List.of("logged"), Map.of())
                .output("y", DataType.FLOAT, 3).build();
        PassResult r = run(m, false);
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).singleElement().satisfies(s -> {
            assertThat(s.where()).isEqualTo("Logger");
            assertThat(s.reason()).isEqualTo("custom-domain op com.example.Logger may have side effects (remove_custom=false)");
        });
        assertThat(m.graph().nodeCount()).isEqualTo(3);

        r = run(m, true);
        assertThat(r.statistics()).containsEntry("nodes_removed", 2L);
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Relu");
        // ORT cannot load the custom op; with it gone the model runs and computes relu(x)
        Map<String, Tensor> out = OrtEquivalence.run(m, Map.of("x", Tensor.ofFloats(new long[] {3}, -1, 0, 2)));
        assertThat(out.get("y").toFloatArray()).containsExactly(0, 0, 2);
    }
}
