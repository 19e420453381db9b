package dev.onnxpress.passes.convert.shapes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FixShapesPassTest {
    private static final FixShapesPass PASS = new FixShapesPass();

    /** x[batch, 3, h] → Relu → Reshape(·, Concat(Shape[0], -1)) → y[batch, ?]. */
    private static Model dynamic() {
        return GraphBuilder.model("g")
                .input("x", DataType.FLOAT, "batch", 3, "h")
                .initializer("zero", Tensor.ofLongs(new long[] {1}, 0))
                .initializer("minus1", Tensor.ofLongs(new long[] {1}, -1))
                .node("Relu", List.of("x"), List.of("r"))
                .node("Shape", List.of("r"), List.of("s"))
                .node("Gather", List.of("s", "zero"), List.of("b"), Map.of("axis", Attr.of(0L)))
                .node("Concat", List.of("b", "minus1"), List.of("target"), Map.of("axis", Attr.of(0L)))
                .node("Reshape", List.of("r", "target"), List.of("y"))
                .output("y", DataType.FLOAT, "batch", "flat").build();
    }

    @Test
    void fixesDimsRecordsShapesAndFoldsTheShapeChain() {
        Model m = dynamic();
        PassResult r = PASS.run(m, new FixShapesOptions(List.of("batch=2", "h=5"), true), new NoDataContext());
        assertThat(r.statistics().get("dims_fixed").longValue()).isEqualTo(3);
        assertThat(m.graph().inputs().get(0).tensorType().orElseThrow().toString()).isEqualTo("float[2,3,5]");
        // the output's second dim had no name in dims: ORT's run tells it
        assertThat(m.graph().outputs().get(0).tensorType().orElseThrow().toString()).isEqualTo("float[2,15]");
        assertThat(m.graph().opHistogram()).doesNotContainKey("Shape");
        Value relu = m.graph().nodes().stream().filter(n -> n.is("Relu")).findFirst().orElseThrow().output();
        assertThat(relu.tensorType().orElseThrow().toString()).isEqualTo("float[2,3,5]");
        assertThat(m.graph().valueInfo()).contains(relu);
        OrtEquivalence.capture(dynamic(), OrtEquivalence.randomFeeds(m, 5, Map.of())).assertBitIdentical(m);
    }

    @Test
    void symbolicInputDimLeftOpenIsAnError() {
        Model m = dynamic();
        assertThatThrownBy(() -> PASS.run(m, new FixShapesOptions(List.of("batch=1"), true), new NoDataContext()))
                .isInstanceOf(PassException.class)
                .hasMessage("fix_shapes: input 'x' dim 2 'h' is symbolic: give its size in dims (e.g. \"h=1\")"
                        + " or with the run's --dims");
        assertThatThrownBy(() -> PASS.run(m, new FixShapesOptions(List.of("batch"), true), new NoDataContext()))
                .isInstanceOf(PassException.class).hasMessageContaining("'batch' is not name=size");
    }
}
