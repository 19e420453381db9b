package dev.onnxpress.passes.strip.initializers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import org.junit.jupiter.api.Test;

class RemoveUnusedInitializersPassTest {
    private static final RemoveUnusedInitializersPass PASS = new RemoveUnusedInitializersPass();

    private static PassResult run(Model m, boolean keepInputs) {
        return PASS.run(m, new RemoveUnusedInitializersOptions(keepInputs), new NoDataContext());
    }

    private static List<String> names(List<Value> vs) {
        return vs.stream().map(Value::name).toList();
    }

    private static List<String> initializerNames(Model m) {
        return names(List.copyOf(m.graph().initializers().keySet()));
    }

    @Test
    void removesUnreadInitializersAndKeepsThoseReadInSubgraphs() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .input("c", DataType.BOOL)
                .initializer("w", Tensor.ofFloats(new long[] {3}, 1, 2, 3))
                .initializer("stale", Tensor.ofFloats(new long[] {100}, new float[100]))
                .initializer("read_in_branch", Tensor.ofFloats(new long[] {3}, 4, 5, 6))
                .initializer("copied_by_branch", Tensor.ofFloats(new long[] {3}, 7, 8, 9))
                .node("Mul", List.of("x", "w"), List.of("xw"))
                .ifNode("c", List.of("y"),
                        t -> t.node("Add", List.of("xw", "read_in_branch"), List.of("t1")).output("t1"),
                        // ORT wants an Identity between an outer value and a subgraph output
                        e -> e.node("Identity", List.of("copied_by_branch"), List.of("e1")).output("e1"))
                .output("y", DataType.FLOAT, 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m, false);
        assertThat(r.changed()).isTrue();
        assertThat(r.statistics()).containsEntry("initializers_removed", 1L).containsEntry("inputs_removed", 0L)
                .containsEntry("bytes_saved", 400L);
        assertThat(initializerNames(m)).containsExactly("w", "read_in_branch", "copied_by_branch");
        before.assertBitIdentical(m);
        assertThat(run(m, false).changed()).isFalse();
    }

    @Test
    void unlistsInitializersShadowingInputsFromIr4() {
        Model m = GraphBuilder.model("g").irVersion(7)
                .input("x", DataType.FLOAT, 3)
                .initializerInput("b", Tensor.ofFloats(new long[] {3}, 1, 2, 3))
                .initializerInput("old", Tensor.ofFloats(new long[] {3}, 0, 0, 0))
                .node("Add", List.of("x", "b"), List.of("y"))
                .output("y", DataType.FLOAT, 3).build();
        assertThat(m.graph().isConstant(m.graph().findValue("b").orElseThrow())).isFalse();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m, false);
        assertThat(r.statistics()).containsEntry("initializers_removed", 1L).containsEntry("inputs_removed", 2L);
        assertThat(names(m.graph().inputs())).containsExactly("x");
        assertThat(initializerNames(m)).containsExactly("b");
        // now a constant for later passes
        assertThat(m.graph().isConstant(m.graph().findValue("b").orElseThrow())).isTrue();
        before.assertBitIdentical(m);
    }

    @Test
    void keepInputsLeavesListedInitializersAlone() {
        Model m = GraphBuilder.model("g").irVersion(7)
                .input("x", DataType.FLOAT, 3)
                .initializerInput("b", Tensor.ofFloats(new long[] {3}, 1, 2, 3))
                .initializerInput("old", Tensor.ofFloats(new long[] {3}, 0, 0, 0))
                .node("Add", List.of("x", "b"), List.of("y"))
                .output("y", DataType.FLOAT, 3).build();
        PassResult r = run(m, true);
        assertThat(r.changed()).isFalse();
        assertThat(r.skips()).singleElement().satisfies(s -> {
            assertThat(s.where()).isEqualTo("old");
            assertThat(s.reason()).isEqualTo("unused, but listed as a graph input and keep_inputs=true");
        });
        assertThat(names(m.graph().inputs())).containsExactly("x", "b", "old");
    }

    @Test
    void belowIr4InitializersStayListed() {
        Model m = GraphBuilder.model("main").irVersion(3).opset(8)
                .input("x", DataType.FLOAT, 3)
                .initializerInput("b", Tensor.ofFloats(new long[] {3}, 1, 2, 3))
                .initializerInput("c", Tensor.ofFloats(new long[] {3}, 1, 2, 3))
                .initializerInput("old", Tensor.ofFloats(new long[] {3}, 0, 0, 0))
                .node("Add", List.of("x", "b"), List.of("xb"))
                .node("Add", List.of("xb", "c"), List.of("y"))
                .output("y", DataType.FLOAT, 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m, false);
        assertThat(r.statistics()).containsEntry("initializers_removed", 1L).containsEntry("inputs_removed", 1L);
        assertThat(r.skips()).singleElement().satisfies(s -> {
            assertThat(s.where()).isEqualTo("graph 'main'");
            assertThat(s.reason()).isEqualTo("2 initializers stay listed as graph inputs: IR version 3 < 4 requires it");
        });
        // every initializer is still an input, as IR 3 requires
        assertThat(names(m.graph().inputs())).containsExactly("x", "b", "c");
        before.assertBitIdentical(m);
    }
}
