package dev.onnxpress.passes.strip.identity;

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

class RemoveIdentityPassTest {
    private static final RemoveIdentityPass PASS = new RemoveIdentityPass();

    private static PassResult run(Model m) {
        return PASS.run(m, new RemoveIdentityOptions(), new NoDataContext());
    }

    private static List<String> outputNames(Model m) {
        return m.graph().outputs().stream().map(v -> v.name()).toList();
    }

    @Test
    void removesAChainAndIsIdempotent() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, "batch", 3)
                .initializer("w", Tensor.ofFloats(new long[] {3}, 1, -2, 3))
                .node("Identity", List.of("w"), List.of("w_alias"))
                .node("Identity", List.of("x"), List.of("a"))
                .node("Identity", List.of("a"), List.of("b"))
                .node("Mul", List.of("b", "w_alias"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m);
        assertThat(r.changed()).isTrue();
        assertThat(r.statistics()).containsEntry("nodes_removed", 3L);
        assertThat(r.skips()).isEmpty();
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Mul");
        assertThat(m.graph().nodes().get(0).inputs()).extracting(v -> v.name()).containsExactly("x", "w");
        before.assertBitIdentical(m);
        PassResult again = run(m);
        assertThat(again.changed()).isFalse();
    }

    @Test
    void identityIntoAGraphOutputHandsItsNameToTheProducer() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .node("Relu", List.of("x"), List.of("r"))
                .node("Identity", List.of("r"), List.of("y"))
                .node("Neg", List.of("r"), List.of("z"))
                .output("y", DataType.FLOAT, 3)
                .output("z", DataType.FLOAT, 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        assertThat(run(m).changed()).isTrue();
        assertThat(outputNames(m)).containsExactly("y", "z");
        assertThat(m.graph().outputs().get(0).producer().orElseThrow().opType()).isEqualTo("Relu");
        assertThat(m.graph().outputs().get(0).tensorType().orElseThrow().toString()).isEqualTo("float[3]");
        before.assertBitIdentical(m);
    }

    @Test
    void keepsIdentityBetweenTwoInterfaceNames() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .initializer("w", Tensor.ofFloats(new long[] {3}, 1, 2, 3))
                .node("Relu", List.of("x"), List.of("r"))
                .node("Identity", List.of("x"), List.of("from_input"))
                .node("Identity", List.of("w"), List.of("from_initializer"))
                .node("Identity", List.of("r"), List.of("from_output"))
                .output("r", DataType.FLOAT, 3)
                .output("from_input", DataType.FLOAT, 3)
                .output("from_initializer", DataType.FLOAT, 3)
                .output("from_output", DataType.FLOAT, 3).build();
        PassResult r = run(m);
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).extracting(PassResult.Skip::reason).containsExactlyInAnyOrder(
                "its output 'from_input' is a graph output and its input 'x' is a graph input: both names are part of the interface",
                "its output 'from_initializer' is a graph output and its input 'w' is an initializer",
                "its output 'from_output' is a graph output and its input 'r' is a graph output too: both names are part of the interface");
        assertThat(outputNames(m)).containsExactly("r", "from_input", "from_initializer", "from_output");
    }

    @Test
    void removesIdentityInSubgraphsAndRedirectsOuterScopeReads() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .input("c", DataType.BOOL)
                .node("Identity", List.of("x"), List.of("xi"))
                .ifNode("c", List.of("y"),
                        t -> t.node("Identity", List.of("xi"), List.of("t1")).node("Neg", List.of("t1"), List.of("t2"))
                                .output("t2"),
                        e -> e.node("Sigmoid", List.of("xi"), List.of("e1")).node("Identity", List.of("e1"), List.of("e2"))
                                .output("e2"))
                .output("y", DataType.FLOAT, 3).build();
        for (int cond = 0; cond <= 1; cond++) {
            Model copy = m.copy();
            OrtEquivalence before = OrtEquivalence.capture(copy, Map.of(
                    "x", Tensor.ofFloats(new long[] {3}, -1, 0.25f, 4),
                    "c", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) cond)));
            PassResult r = run(copy);
            assertThat(r.statistics()).containsEntry("nodes_removed", 3L);
            assertThat(copy.graph().allNodes()).noneMatch(n -> n.is("Identity"));
            before.assertBitIdentical(copy);
        }
    }

    @Test
    void subgraphIdentityOfAnOuterValueIntoTheBranchOutputStays() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .input("c", DataType.BOOL)
                .node("Relu", List.of("x"), List.of("r"))
                .ifNode("c", List.of("y"),
                        t -> t.node("Identity", List.of("r"), List.of("t1")).output("t1"),
                        e -> e.node("Neg", List.of("r"), List.of("e1")).output("e1"))
                .output("y", DataType.FLOAT, 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m);
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).extracting(PassResult.Skip::reason).containsExactly(
                "its output 't1' is a graph output and its input 'r' comes from an enclosing graph");
        before.assertBitIdentical(m);
    }
}
