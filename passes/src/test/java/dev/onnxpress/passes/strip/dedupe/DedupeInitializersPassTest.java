package dev.onnxpress.passes.strip.dedupe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DedupeInitializersPassTest {
    private static final DedupeInitializersPass PASS = new DedupeInitializersPass();
    private static final DedupeInitializersOptions DEFAULTS = new DedupeInitializersOptions(true, 0);

    private static PassResult run(Model m, DedupeInitializersOptions o) {
        return PASS.run(m, o, new NoDataContext());
    }

    private static Tensor w3() {
        return Tensor.ofFloats(new long[] {3}, 1.5f, -2, 3);
    }

    private static List<String> inputsOf(Model m, String nodeOutput) {
        Node n = m.graph().findValue(nodeOutput).orElseThrow().producer().orElseThrow();
        return n.inputs().stream().map(Value::name).toList();
    }

    @Test
    void mergesEqualInitializersAndConstantNodeTensors() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, "batch", 3)
                .initializer("w1", w3())
                .initializer("w2", w3())
                .constant("w3", w3())
                .node("Add", List.of("x", "w1"), List.of("a"))
                .node("Mul", List.of("a", "w2"), List.of("b"))
                .node("Sub", List.of("b", "w3"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m, DEFAULTS);
        assertThat(r.statistics()).containsEntry("tensors_merged", 2L).containsEntry("initializers_removed", 1L)
                .containsEntry("nodes_removed", 1L).containsEntry("bytes_saved", 24L);
        assertThat(m.graph().initializers()).hasSize(1);
        assertThat(m.graph().opHistogram()).doesNotContainKey("Constant");
        assertThat(inputsOf(m, "b")).containsExactly("a", "w1");
        assertThat(inputsOf(m, "y")).containsExactly("b", "w1");
        before.assertBitIdentical(m);
        assertThat(run(m, DEFAULTS).changed()).isFalse();
    }

    @Test
    void sameBytesButDifferentTypeOrShapeStayApart() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 2, 2)
                .input("i", DataType.INT32, 4)
                .initializer("f4", Tensor.ofFloats(new long[] {4}, 0, 0, 0, 0))
                .initializer("f22", Tensor.ofFloats(new long[] {2, 2}, 0, 0, 0, 0))
                .initializer("i4", Tensor.ofInts(new long[] {4}, 0, 0, 0, 0))
                .initializer("shape", Tensor.ofLongs(new long[] {1}, 4))
                .node("Reshape", List.of("x", "shape"), List.of("x4"))
                .node("Add", List.of("x4", "f4"), List.of("a"))
                .node("Add", List.of("x", "f22"), List.of("b"))
                .node("Add", List.of("i", "i4"), List.of("c"))
                .output("a", DataType.FLOAT, 4)
                .output("b", DataType.FLOAT, 2, 2)
                .output("c", DataType.INT32, 4).build();
        PassResult r = run(m, DEFAULTS);
        assertThat(r.changed()).isFalse();
        assertThat(m.graph().initializers()).hasSize(4);
    }

    @Test
    void neverMergesGraphInputsOrGraphOutputs() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .initializer("w", w3())
                .initializerInput("overridable", w3())
                .initializer("returned", w3())
                .node("Add", List.of("x", "w"), List.of("a"))
                .node("Add", List.of("a", "overridable"), List.of("y"))
                .output("y", DataType.FLOAT, 3)
                .output("returned", DataType.FLOAT, 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m, DEFAULTS);
        assertThat(r.changed()).isFalse();
        assertThat(m.graph().initializers()).hasSize(3);
        before.assertBitIdentical(m);
    }

    @Test
    void subgraphCopiesFoldIntoOuterOnesButNeverIntoASiblingBranch() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .input("c", DataType.BOOL)
                .initializer("outer", w3())
                .node("Add", List.of("x", "outer"), List.of("a"))
                .ifNode("c", List.of("y"),
                        t -> t.constant("inner", w3()).constant("then_nines", Tensor.ofFloats(new long[] {3}, 9, 9, 9))
                                .node("Mul", List.of("a", "inner"), List.of("t1"))
                                .node("Mul", List.of("t1", "then_nines"), List.of("t2")).output("t2"),
                        e -> e.constant("else_nines", Tensor.ofFloats(new long[] {3}, 9, 9, 9))
                                .constant("else_nines_too", Tensor.ofFloats(new long[] {3}, 9, 9, 9))
                                .node("Sub", List.of("a", "else_nines"), List.of("e1"))
                                .node("Sub", List.of("e1", "else_nines_too"), List.of("e2")).output("e2"))
                .output("y", DataType.FLOAT, 3).build();
        for (int cond = 0; cond <= 1; cond++) {
            Model copy = m.copy();
            OrtEquivalence before = OrtEquivalence.capture(copy, Map.of(
                    "x", Tensor.ofFloats(new long[] {3}, -1, 0.25f, 4),
                    "c", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) cond)));
            PassResult r = run(copy, DEFAULTS);
            // inner → outer, else_nines_too → else_nines; then_nines cannot see the else branch
            assertThat(r.statistics()).containsEntry("tensors_merged", 2L).containsEntry("nodes_removed", 2L);
            assertThat(copy.graph().findValue("outer")).isPresent();
            assertThat(copy.graph().allNodes()).extracting(Node::opType).filteredOn("Constant"::equals).hasSize(2);
            before.assertBitIdentical(copy);
        }
    }

    @Test
    void aSubgraphMayReadAnOuterConstantNodeDefinedAfterTheOwnerInFileOrder() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .input("c", DataType.BOOL)
                .ifNode("c", List.of("y"),
                        t -> t.constant("inner", w3()).node("Mul", List.of("x", "inner"), List.of("t1")).output("t1"),
                        e -> e.node("Neg", List.of("x"), List.of("e1")).output("e1"))
                .constant("late", w3())
                .node("Add", List.of("y", "late"), List.of("z"))
                .output("z", DataType.FLOAT, 3).build();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = run(m, DEFAULTS);
        assertThat(r.statistics()).containsEntry("tensors_merged", 1L);
        // the If now reads 'late' from the outer scope, so the Constant must come first
        assertThat(m.graph().nodes()).extracting(Node::opType).startsWith("Constant");
        before.assertBitIdentical(m);
    }

    @Test
    void optionsLimitWhatIsMerged() {
        GraphBuilder b = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 3)
                .constant("k1", Tensor.scalarFloat(2))
                .node("Constant", List.of(), List.of("k2"), Map.of("value_float", Attr.of(2f)))
                .initializer("w1", w3())
                .initializer("w2", w3())
                .node("Mul", List.of("x", "k1"), List.of("a"))
                .node("Mul", List.of("a", "k2"), List.of("b"))
                .node("Add", List.of("b", "w1"), List.of("c"))
                .node("Add", List.of("c", "w2"), List.of("y"))
                .output("y", DataType.FLOAT, 3);
        Model noConstants = b.build().copy();
        PassResult r = run(noConstants, new DedupeInitializersOptions(false, 0));
        assertThat(r.statistics()).containsEntry("tensors_merged", 1L).containsEntry("nodes_removed", 0L);

        Model big = b.build().copy();
        OrtEquivalence before = OrtEquivalence.capture(big);
        r = run(big, new DedupeInitializersOptions(true, 8));
        assertThat(r.statistics()).containsEntry("tensors_merged", 1L).containsEntry("initializers_removed", 1L);
        before.assertBitIdentical(big);

        // value_float and a tensor-valued Constant holding the same scalar are the same tensor
        Model all = b.build().copy();
        r = run(all, DEFAULTS);
        assertThat(r.statistics()).containsEntry("tensors_merged", 2L).containsEntry("nodes_removed", 1L);
        before.assertBitIdentical(all);
    }
}
