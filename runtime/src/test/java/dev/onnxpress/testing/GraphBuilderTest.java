package dev.onnxpress.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphBuilderTest {

    private static Model addMulIf() {
        return GraphBuilder.model("tiny")
                .input("x", DataType.FLOAT, "batch", 3)
                .input("cond", DataType.BOOL)
                .initializer("w", Tensor.ofFloats(new long[] {3}, 1, 2, 3))
                .constant("c", Tensor.scalarFloat(10))
                .node("Mul", List.of("x", "w"), List.of("xw"))
                .node("Add", List.of("xw", "c"), List.of("y"))
                .ifNode("cond", List.of("z"),
                        then -> then.node("Identity", List.of("y"), List.of("t")).output("t"),
                        other -> other.node("Neg", List.of("y"), List.of("e")).output("e"))
                .output("y", DataType.FLOAT, "batch", 3)
                .output("z", DataType.FLOAT, "batch", 3)
                .build();
    }

    @Test
    void buildsAModelThatOrtRunsWithOuterScopeReads() {
        Model m = addMulIf();
        Tensor x = Tensor.ofFloats(new long[] {1, 3}, 1, 1, 1);
        Map<String, Tensor> yes = OrtEquivalence.run(m, Map.of("x", x,
                "cond", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) 1)));
        Map<String, Tensor> no = OrtEquivalence.run(m, Map.of("x", x,
                "cond", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) 0)));
        assertThat(yes.get("y").toFloatArray()).containsExactly(11, 12, 13);
        assertThat(yes.get("z").toFloatArray()).containsExactly(11, 12, 13);
        assertThat(no.get("z").toFloatArray()).containsExactly(-11, -12, -13);
        assertThat(m.graph().allNodes()).hasSize(6);
    }

    @Test
    void equivalenceCheckSeesAChange() {
        Model m = addMulIf();
        OrtEquivalence before = OrtEquivalence.capture(m);
        assertThat(before.feeds().get("x").dims()).containsExactly(2, 3);
        before.assertBitIdentical(m);
        Model other = GraphBuilder.model("tiny")
                .input("x", DataType.FLOAT, "batch", 3)
                .input("cond", DataType.BOOL)
                .node("Identity", List.of("x"), List.of("y"))
                .node("Identity", List.of("x"), List.of("z"))
                .output("y", DataType.FLOAT, "batch", 3)
                .output("z", DataType.FLOAT, "batch", 3)
                .build();
        assertThat(before.maxAbsDifference(other)).isGreaterThan(1);
        assertThatThrownBy(() -> before.assertBitIdentical(other)).isInstanceOf(AssertionError.class);
    }

    @Test
    void initializerInputsAreListedAndNamesAreExact() {
        Model m = GraphBuilder.model("g").irVersion(3)
                .input("x", DataType.FLOAT, 2)
                .initializerInput("b", Tensor.ofFloats(new long[] {2}, 1, 2))
                .node("Add", List.of("x", "b"), List.of("y"))
                .output("y", DataType.FLOAT, 2)
                .build();
        assertThat(m.graph().inputs()).extracting(v -> v.name()).containsExactly("x", "b");
        assertThat(m.graph().realInputs()).extracting(v -> v.name()).containsExactly("x");
        // a copy keeps the listed initializer one value (input and initializer alike)
        Model copy = m.copy();
        assertThat(copy.graph().realInputs()).extracting(v -> v.name()).containsExactly("x");
        assertThat(copy.graph().inputs().get(1)).isSameAs(copy.graph().initializers().keySet().iterator().next());
        assertThatThrownBy(() -> GraphBuilder.model("g").input("x", DataType.FLOAT, 1)
                .initializer("x", Tensor.scalarFloat(1))).hasMessageContaining("already used");
    }
}
