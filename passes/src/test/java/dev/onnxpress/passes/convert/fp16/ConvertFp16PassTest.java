package dev.onnxpress.passes.convert.fp16;

import dev.onnxpress.analysis.OutputMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.NoDataContext;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.passes.PassOptions;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.OrtEquivalence;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConvertFp16PassTest {
    private static final ConvertFp16Pass PASS = new ConvertFp16Pass();

    private static ConvertFp16Options options(boolean keepIo, List<String> block) {
        // range_check off: these tests are about kernels, Casts and clamping of every value
        return PassOptions.of(ConvertFp16Options.class, Map.of("keep_io_types", keepIo, "block", block,
                "range_check", false));
    }

    private static float[] ramp(int n, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) Math.sin(i * 0.37) * scale;
        }
        return f;
    }

    /** Conv (no fp16 kernel on CPU) → Relu → MatMul (fp16 kernel) → Add with a huge and a tiny constant. */
    private static Model convMatMul() {
        return GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 1, 2, 4, 4)
                .initializer("w", Tensor.ofFloats(new long[] {3, 2, 3, 3}, ramp(54, 0.5f)))
                .initializer("shape", Tensor.ofLongs(new long[] {2}, 3, 16))
                .initializer("m", Tensor.ofFloats(new long[] {16, 5}, ramp(80, 0.3f)))
                .initializer("big", Tensor.ofFloats(new long[] {5}, -1e6f, -7e4f, 0, 1e-12f, 2))
                .node("Conv", List.of("x", "w"), List.of("c"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))
                .node("Relu", List.of("c"), List.of("r"))
                .node("Reshape", List.of("r", "shape"), List.of("flat"))
                .node("MatMul", List.of("flat", "m"), List.of("mm"))
                .node("Max", List.of("mm", "big"), List.of("y"))
                .output("y", DataType.FLOAT, 3, 5).build();
    }

    @Test
    void convertsKeepsUnsupportedOpsInFloat32AndKeepsIoTypes() {
        Model m = convMatMul();
        OrtEquivalence before = OrtEquivalence.capture(m);
        PassResult r = PASS.run(m, options(true, List.of()), new NoDataContext());
        assertThat(r.changed()).isTrue();
        // io stays float32
        assertThat(m.graph().inputs().get(0).tensorType().orElseThrow().elemType()).isEqualTo(DataType.FLOAT);
        assertThat(m.graph().outputs().get(0).name()).isEqualTo("y");
        assertThat(m.graph().outputs().get(0).tensorType().orElseThrow().elemType()).isEqualTo(DataType.FLOAT);
        // weights stored as float16, huge values clamped, tiny ones kept non-zero
        Tensor big = m.graph().initializers().entrySet().stream().filter(e -> e.getKey().name().startsWith("big"))
                .findFirst().orElseThrow().getValue();
        assertThat(big.dataType()).isEqualTo(DataType.FLOAT16);
        assertThat(big.toFloatArray()).containsExactly(-65504f, -65504f, 0f, 5.9604645e-8f, 2f);
        assertThat(r.statistics().get("values_clamped").longValue()).isEqualTo(3);
        // Conv and Relu have no float16 kernel in ORT CPU: they stay float32 and talk without a Cast between them
        assertThat(r.skips()).extracting(PassResult.Skip::where).contains("Conv", "Relu");
        Node relu = m.graph().nodes().stream().filter(n -> n.is("Relu")).findFirst().orElseThrow();
        assertThat(relu.input(0).producer().orElseThrow().opType()).isEqualTo("Conv");
        Node matmul = m.graph().nodes().stream().filter(n -> n.is("MatMul")).findFirst().orElseThrow();
        assertThat(matmul.input(1).graph().initializer(matmul.input(1)).orElseThrow().dataType())
                .isEqualTo(DataType.FLOAT16);
        assertThat(before.maxAbsDifference(m)).isLessThan(0.02);
        // a second run changes nothing
        Model again = ModelReader.read(ModelWriter.toBytes(m), Optional.empty(), "m");
        assertThat(PASS.run(again, options(true, List.of()), new NoDataContext()).changed()).isFalse();
    }

    @Test
    void blockListAndFloat16Io() {
        Model m = convMatMul();
        Map<String, Tensor> feeds = OrtEquivalence.randomFeeds(m, 3, Map.of());
        Map<String, Tensor> want = OrtEquivalence.run(m, feeds);
        PASS.run(m, options(false, List.of("MatMul")), new NoDataContext());
        assertThat(m.graph().inputs().get(0).tensorType().orElseThrow().elemType()).isEqualTo(DataType.FLOAT16);
        assertThat(m.graph().outputs().get(0).tensorType().orElseThrow().elemType()).isEqualTo(DataType.FLOAT16);
        Node matmul = m.graph().nodes().stream().filter(n -> n.is("MatMul")).findFirst().orElseThrow();
        // the blocked MatMul reads float32: its small weight stays float32 (no Cast), its data input is cast
        assertThat(matmul.input(1).graph().initializer(matmul.input(1)).orElseThrow().dataType())
                .isEqualTo(DataType.FLOAT);
        Tensor x16 = Tensor.of(DataType.FLOAT16, feeds.get("x").dims(), feeds.get("x").toDoubleArray());
        Tensor got = OrtEquivalence.run(m, Map.of("x", x16)).get("y");
        assertThat(got.dataType()).isEqualTo(DataType.FLOAT16);
        assertThat(cosine(want.get("y").toDoubleArray(), got.toDoubleArray())).isGreaterThan(0.999);
    }

    @Test
    void convertsInsideIfBranches() {
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 4)
                .input("c", DataType.BOOL)
                .initializer("k", Tensor.ofFloats(new long[] {4}, 0.5f, 1.5f, -2, 3))
                .ifNode("c", List.of("z"),
                        t -> t.node("Mul", List.of("x", "k"), List.of("t1")).output("t1"),
                        e -> e.node("Sub", List.of("x", "k"), List.of("e1")).output("e1"))
                .node("Identity", List.of("z"), List.of("y"))
                .output("y", DataType.FLOAT, 4).build();
        Map<String, Tensor> feeds = Map.of("x", Tensor.ofFloats(new long[] {4}, 1, 2, 3, 4),
                "c", Tensor.ofBytes(DataType.BOOL, new long[0], (byte) 1));
        Map<String, Tensor> want = OrtEquivalence.run(m, feeds);
        // check_kernels=false: convert Mul/Sub although ORT CPU computes them through its own Casts
        PASS.run(m, PassOptions.of(ConvertFp16Options.class, Map.of("check_kernels", false)), new NoDataContext());
        Map<String, Tensor> got = OrtEquivalence.run(m, feeds);
        assertThat(got.get("y").toFloatArray()).containsExactly(want.get("y").toFloatArray());
        Value k = m.graph().initializers().keySet().stream().filter(v -> v.name().startsWith("k")).findFirst()
                .orElseThrow();
        assertThat(m.graph().initializer(k).orElseThrow().dataType()).isEqualTo(DataType.FLOAT16);
    }

    static double cosine(double[] a, double[] b) {
        OutputMetrics.Cosine c = new OutputMetrics.Cosine();
        c.add(a, b);
        return c.value();
    }
}
