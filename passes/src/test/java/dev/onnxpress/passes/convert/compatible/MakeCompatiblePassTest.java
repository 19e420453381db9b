package dev.onnxpress.passes.convert.compatible;

import dev.onnxpress.passes.core.target.TargetTable;
import dev.onnxpress.passes.core.target.TargetFindings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.exec.InferenceRuntime;
import dev.onnxpress.exec.ModelSession;
import dev.onnxpress.exec.RuntimeRejection;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.passes.FixedSamplesContext;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassException;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.RandomTensors;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each rewrite of make_compatible on a one-node model: the rewritten model loads and runs in the target
 * (OpenCV for the rules OpenCV 4.9 fails) and computes what ONNX Runtime computes on the original.
 */
class MakeCompatiblePassTest {
    private static final PassContext CTX = new FixedSamplesContext(List.of(), 1);
    private static final Map<String, Tensor> FEEDS = Map.of("x", RandomTensors.uniform(DataType.FLOAT, 5, -2, 2,
            1, 3, 4, 5));

    private static PassResult opencv(Model m) {
        return new MakeCompatiblePass().run(m, new MakeCompatibleOptions(
                java.util.Optional.of(TargetRuntime.opencv), List.of()), CTX);
    }

    private static float[] run(String runtime, Model m, Map<String, Tensor> feeds) {
        try (ModelSession s = InferenceRuntime.named(runtime).orElseThrow().open(ModelWriter.toBytes(m))) {
            return s.run(feeds).values().iterator().next().toFloatArray();
        }
    }

    private static void assertClose(float[] got, float[] want, double tol) {
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < got.length; i++) {
            assertThat((double) got[i]).as("[%d]", i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(tol));
        }
    }

    /** OpenCV rejects the model before, runs it after, and matches ONNX Runtime on the original. */
    private static void fixedForOpenCv(Model m, Map<String, Tensor> feeds) {
        float[] want = run("ort", m, feeds);
        assertThatThrownBy(() -> run("opencv", m, feeds)).isInstanceOf(RuntimeRejection.class);
        PassResult r = opencv(m);
        assertThat(r.changed()).isTrue();
        assertClose(run("opencv", m, feeds), want, 1e-5);
        assertClose(run("ort", m, feeds), want, 1e-6);
    }

    @Test
    void convWithoutKernelShapeGetsItFromTheWeights() {
        Model m = GraphBuilder.model("conv").opset(13).input("x", DataType.FLOAT, 1, 3, 4, 5)
                .initializer("w", RandomTensors.random(3, 4, 3, 3, 2))
                .node("Conv", List.of("x", "w"), List.of("y"), Map.of("pads", Attr.ofInts(1, 1, 1, 0)))
                .output("y", DataType.FLOAT, 1, 4, 4, 5).build();
        fixedForOpenCv(m, FEEDS);
        assertThat(m.graph().nodes().get(0).attrInts("kernel_shape").orElseThrow()).containsExactly(3, 2);
    }

    @Test
    void meanBecomesASumTimesOneOverN() {
        Model m = GraphBuilder.model("mean").opset(13).input("x", DataType.FLOAT, 1, 3, 4, 5)
                .initializer("a", RandomTensors.random(3, 1, 3, 4, 5)).initializer("b", RandomTensors.random(4, 5))
                .node("Mean", List.of("x", "a", "b"), List.of("y")).output("y", DataType.FLOAT, 1, 3, 4, 5).build();
        fixedForOpenCv(m, FEEDS);
        assertThat(m.graph().opHistogram()).doesNotContainKey("Mean");
    }

    @Test
    void untypedGraphOutputsGetOnnxRuntimesTypes() {
        Model m = GraphBuilder.model("untyped").opset(13).input("x", DataType.FLOAT, 1, 3, 4, 5)
                .node("Relu", List.of("x"), List.of("y")).output("y").build();
        fixedForOpenCv(m, FEEDS);
        assertThat(m.graph().outputs().get(0).tensorType().orElseThrow().elemType()).isEqualTo(DataType.FLOAT);
    }

    @Test
    void symbolicInputDimsBecomeStaticWithTheGivenSizes() {
        Model m = symbolicWidth();
        Map<String, Tensor> feeds = Map.of("x", RandomTensors.random(11, 1, 2, 6, 8));
        float[] want = run("ort", m, feeds);
        assertThatThrownBy(() -> run("opencv", m, feeds)).isInstanceOf(RuntimeRejection.class)
                .hasMessageContaining("node 'Concat' (Concat)");
        PassResult r = new MakeCompatiblePass().run(m, new MakeCompatibleOptions(java.util.Optional.of(TargetRuntime.opencv),
                List.of("width=8")), CTX);
        assertThat(r.statistics().get("dims_fixed").longValue()).isPositive();
        assertClose(run("opencv", m, feeds), want, 1e-5);
    }

    @Test
    void symbolicInputDimsWithoutASizeAreListed() {
        assertThatThrownBy(() -> opencv(symbolicWidth())).isInstanceOf(PassException.class)
                .hasMessageContaining("no size for 'width' (x[3])").hasMessageContaining("OpenCV DNN 4.9.0");
    }

    @Test
    void whatNoRewriteFixesFailsWithTheNodesAndTheTablesEvidence() {
        Model m = GraphBuilder.model("tile").opset(13).input("x", DataType.FLOAT, 1, 3, 4, 5)
                .initializer("r", Tensor.ofLongs(new long[] {4}, 1, 1, 2, 1))
                .node("Tile", List.of("x", "r"), List.of("y")).output("y", DataType.FLOAT, 1, 3, 8, 5).build();
        assertThatThrownBy(() -> opencv(m)).isInstanceOf(PassException.class)
                .hasMessageContaining("node 'Tile' (Tile): op:Tile — output 'y' differs from ONNX Runtime");
        // the same model needs nothing for ONNX Runtime
        PassResult ort = new MakeCompatiblePass().run(m, new MakeCompatibleOptions(java.util.Optional.of(TargetRuntime.ort), List.of()), CTX);
        assertThat(ort.changed()).isFalse();
        assertThat(TargetFindings.findings(m, TargetTable.load("opencv")))
                .extracting(TargetFindings.Finding::rule, TargetFindings.Finding::fixable)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("op:Tile", false));
    }

    @Test
    void clipInputsBecomeMaxAndMinForATargetWithoutThem() {
        Model m = GraphBuilder.model("clip").opset(13).input("x", DataType.FLOAT, 1, 3, 4, 5)
                .initializer("lo", Tensor.scalarFloat(-0.5f)).initializer("hi", Tensor.scalarFloat(0.75f))
                .node("Clip", List.of("x", "lo", "hi"), List.of("y")).output("y", DataType.FLOAT, 1, 3, 4, 5).build();
        float[] want = run("ort", m, FEEDS);
        TargetTable table = TargetTable.parse("old", "rule\tverdict\tdetail\nform:Clip.min_max_inputs\tfails\tprobe\n");
        MakeCompatiblePass.apply(m, table, List.of(), CTX);
        assertThat(m.graph().opHistogram()).containsOnlyKeys("Max", "Min");
        assertClose(run("opencv", m, FEEDS), want, 0);
    }

    @Test
    void float16BecomesFloat32ForATargetWithoutIt() {
        Model m = GraphBuilder.model("half").opset(13).input("x", DataType.FLOAT16, 1, 3, 4, 5)
                .initializer("w", Tensor.of(DataType.FLOAT16, new long[] {5}, new double[] {0.5, -1, 2, 0.25, 1.5}))
                .node("Mul", List.of("x", "w"), List.of("y")).output("y", DataType.FLOAT16, 1, 3, 4, 5).build();
        TargetTable table = TargetTable.parse("nohalf", "rule\tverdict\tdetail\ntype:float16\tfails\tprobe\n");
        PassResult r = MakeCompatiblePass.apply(m, table, List.of(), CTX);
        assertThat(r.statistics().get("float16_converted").longValue()).isEqualTo(3);
        assertThat(m.graph().inputs().get(0).tensorType().orElseThrow().elemType()).isEqualTo(DataType.FLOAT);
        float[] x = FEEDS.get("x").toFloatArray();
        float[] got = run("opencv", m, FEEDS);
        float[] w = {0.5f, -1, 2, 0.25f, 1.5f};
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).isEqualTo(x[i] * w[i % 5]);
        }
    }

    private static PassContext verifyingOn(List<String> runtimes) {
        return new PassContext() {
            @Override
            public List<Map<String, Tensor>> samples(dev.onnxpress.passes.DataRef data) {
                return List.of();
            }

            @Override
            public java.util.Optional<int[]> labels(dev.onnxpress.passes.DataRef data) {
                return java.util.Optional.empty();
            }

            @Override
            public java.util.Random random() {
                return new java.util.Random(1);
            }

            @Override
            public Progress progress() {
                return Progress.NONE;
            }

            @Override
            public List<String> deploymentRuntimes() {
                return runtimes;
            }
        };
    }

    @Test
    void withoutARuntimeTheOneTheRunVerifiesOnIsTakenAndNoneOrSeveralIsAClearError() {
        MakeCompatibleOptions none = new MakeCompatibleOptions(java.util.Optional.empty(), List.of());
        assertThat(MakeCompatiblePass.runtime(none, verifyingOn(List.of("opencv")))).isEqualTo(TargetRuntime.opencv);
        assertThat(MakeCompatiblePass.runtime(none, verifyingOn(List.of("ort-mobile"))))
                .isEqualTo(TargetRuntime.ort_mobile);
        assertThat(MakeCompatiblePass.runtime(new MakeCompatibleOptions(java.util.Optional.of(TargetRuntime.ort),
                List.of()), verifyingOn(List.of("opencv")))).isEqualTo(TargetRuntime.ort);
        assertThatThrownBy(() -> MakeCompatiblePass.runtime(none, CTX))
                .hasMessageContaining("give runtime=").hasMessageContaining("verifies on no other runtime");
        assertThatThrownBy(() -> MakeCompatiblePass.runtime(none, verifyingOn(List.of("opencv", "ort_mobile"))))
                .hasMessageContaining("opencv, ort_mobile").hasMessageContaining("name the one");
    }

    private static Model symbolicWidth() {
        return GraphBuilder.model("sym").opset(13).input("x", DataType.FLOAT, 1, 2, 6, "width")
                .initializer("w", RandomTensors.random(3, 2, 2, 3, 2))
                .node("AveragePool", List.of("x"), List.of("a"), Map.of("kernel_shape", Attr.ofInts(3, 2),
                        "strides", Attr.ofInts(3, 2)))
                .node("Conv", List.of("x", "w"), List.of("c"), Map.of("kernel_shape", Attr.ofInts(3, 2),
                        "strides", Attr.ofInts(3, 2)))
                .node("Concat", List.of("a", "c"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .output("y", DataType.FLOAT, 1, 4, 2, "half").build();
    }
}
