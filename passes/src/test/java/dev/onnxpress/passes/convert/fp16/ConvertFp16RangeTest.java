package dev.onnxpress.passes.convert.fp16;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** range_check: nodes whose values float16 cannot carry stay float32, downstream until back in range. */
class ConvertFp16RangeTest {
    private static final ConvertFp16Pass PASS = new ConvertFp16Pass();

    static ConvertFp16Options options(boolean keepIo, boolean rangeCheck) {
        // check_kernels=false: every node is converted unless the range check keeps it
        return PassOptions.of(ConvertFp16Options.class, Map.of("keep_io_types", keepIo, "check_kernels", false,
                "range_check", rangeCheck));
    }

    /**
     * x[2,16] in [0,1) · W (16×16 of 20,000, made by ConstantOfShape) reaches ~160,000, beyond float16's
     * 65,504; Mul by 1e-3 brings it back to ~160; Relu and Add then live in range.
     */
    static Model overflowing() {
        return GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 2, 16)
                .initializer("wshape", Tensor.ofLongs(new long[] {2}, 16, 16))
                .initializer("scale", Tensor.ofFloats(new long[] {1}, 1e-3f))
                .initializer("bias", Tensor.ofFloats(new long[] {16}, new float[16]))
                .node("ConstantOfShape", List.of("wshape"), List.of("w"),
                        Map.of("value", Attr.of(Tensor.ofFloats(new long[] {1}, 20000f))))
                .node("MatMul", List.of("x", "w"), List.of("big"))
                .node("Mul", List.of("big", "scale"), List.of("small"))
                .node("Relu", List.of("small"), List.of("r"))
                .node("Add", List.of("r", "bias"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 16).build();
    }

    /** x in (0, 1): every sum of MatMul is about 16 · 0.5 · 20,000 = 160,000. */
    static Map<String, Tensor> positiveFeeds() {
        float[] x = new float[32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7 + 1) / 8f;
        }
        return Map.of("x", Tensor.ofFloats(new long[] {2, 16}, x));
    }

    private static Node node(Model m, String op) {
        return m.graph().nodes().stream().filter(n -> n.is(op)).findFirst().orElseThrow();
    }

    @Test
    void overflowingNodesAndTheirReadersStayFloat32AndTheOutputIsFinite() {
        Model m = overflowing();
        Map<String, Tensor> feeds = positiveFeeds();
        float[] want = OrtEquivalence.run(m, feeds).get("y").toFloatArray();
        assertThat(max(want)).isGreaterThan(50).isLessThan(65504);

        PassResult r = PASS.run(m, options(true, true), new NoDataContext());
        float[] got = OrtEquivalence.run(m, feeds).get("y").toFloatArray();
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).as("y[%d]", i).isFinite();
            assertThat((double) got[i]).isCloseTo(want[i], org.assertj.core.api.Assertions.within(0.01 * want[i] + 1e-3));
        }
        // MatMul writes ~160,000 and Mul reads it: both float32; Relu reads ~160 again and is float16
        assertThat(r.statistics().get("nodes_kept_for_range").longValue()).isEqualTo(2);
        assertThat(r.skips()).filteredOn(s -> s.reason().contains("reaches")).extracting(PassResult.Skip::where)
                .containsExactlyInAnyOrder(node(m, "MatMul").label(), node(m, "Mul").label());
        assertThat(r.skips()).anySatisfy(s -> assertThat(s.reason()).containsPattern("output 'big' reaches [0-9.]+e\\+05"));
        // the two float32 nodes talk directly; Relu reads Mul's output through a Cast to float16
        assertThat(node(m, "Mul").input(0).producer().orElseThrow().opType()).isEqualTo("MatMul");
        Node toHalf = node(m, "Relu").input(0).producer().orElseThrow();
        assertThat(toHalf.opType()).isEqualTo("Cast");
        assertThat(toHalf.attrInt("to", 0)).isEqualTo(DataType.FLOAT16.code());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) r.details().get("kept_for_range");
        assertThat(rows).extracting(row -> row.get("value")).containsExactly("big", "big");
        assertThat((double) rows.get(0).get("max_abs")).isGreaterThan(65504);
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("random probes"));
    }

    @Test
    void withoutTheRangeCheckTheSameModelOverflows() {
        Model m = overflowing();
        Map<String, Tensor> feeds = positiveFeeds();
        PassResult r = PASS.run(m, options(true, false), new NoDataContext());
        assertThat(r.statistics().get("nodes_kept_for_range").longValue()).isZero();
        float[] got = OrtEquivalence.run(m, feeds).get("y").toFloatArray();
        long nonFinite = 0;
        for (float v : got) {
            nonFinite += Float.isFinite(v) ? 0 : 1;
        }
        assertThat(nonFinite).isPositive();
    }

    @Test
    void valuesThatFloat16CannotResolveStayFloat32() {
        // x · 1e-7: every value of 'tiny' is below float16's smallest normal (6.1e-5) and loses most of its bits
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 2, 8)
                .initializer("k", Tensor.ofFloats(new long[] {1}, 1e-7f))
                .initializer("back", Tensor.ofFloats(new long[] {1}, 1e7f))
                .node("Mul", List.of("x", "k"), List.of("tiny"))
                .node("Mul", List.of("tiny", "back"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 8).build();
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 3, Map.of());
        float[] want = OrtEquivalence.run(m, feeds).get("y").toFloatArray();
        PassResult r = PASS.run(m, options(true, true), new NoDataContext());
        assertThat(r.skips()).anySatisfy(s -> assertThat(s.reason()).contains("'tiny' loses", "% to float16 rounding"));
        float[] got = OrtEquivalence.run(m, feeds).get("y").toFloatArray();
        for (int i = 0; i < got.length; i++) {
            assertThat((double) got[i]).isCloseTo(want[i], org.assertj.core.api.Assertions.within(0.01));
        }
    }

    @Test
    void aConstantBeyondFloat16StaysFloat32WithItsReader() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 4)
                .initializer("k", Tensor.ofFloats(new long[] {4}, 1e6f, 2e5f, 3, 2))
                .initializer("s", Tensor.ofFloats(new long[] {1}, 3f))
                .node("Min", List.of("x", "k"), List.of("p"))
                .node("Mul", List.of("p", "s"), List.of("y"))
                .output("y", DataType.FLOAT, 4).build();
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 5, Map.of());
        float[] want = OrtEquivalence.run(m, feeds).get("y").toFloatArray();
        PassResult r = PASS.run(m, options(true, true), new NoDataContext());
        assertThat(m.graph().initializers().entrySet()).filteredOn(e -> e.getKey().name().equals("k"))
                .singleElement().satisfies(e -> assertThat(e.getValue().dataType()).isEqualTo(DataType.FLOAT));
        assertThat(r.skips()).anySatisfy(s -> assertThat(s.reason()).contains("constant input 'k' reaches 1e+06"));
        float[] got = OrtEquivalence.run(m, feeds).get("y").toFloatArray();
        for (int i = 0; i < got.length; i++) {
            assertThat((double) got[i]).isCloseTo(want[i], org.assertj.core.api.Assertions.within(1e-2 * Math.abs(want[i]) + 1e-3));
        }
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
