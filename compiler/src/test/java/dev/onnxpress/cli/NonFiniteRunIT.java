package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.testing.GraphBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} never passes what it did not measure: through the real CLI, on models built here whose weights
 * come from ConstantOfShape (as in the ONNX backend tests' light models), whose activations exceed float16's
 * 65,504, or whose own outputs hold NaN.
 */
class NonFiniteRunIT {
    @TempDir
    Path dir;

    /**
     * x[1,32] in [0,1) · W1 (32×64 of 100) ≈ 1,600 · W2 (64×64 of 100) ≈ 10,000,000, then · 1e-5 ≈ 100 and
     * Relu. Weights are made by ConstantOfShape, so the file holds almost nothing to shrink.
     */
    static Model overflowing() {
        return GraphBuilder.model("light")
                .input("x", DataType.FLOAT, 1, 32)
                .initializer("s1", Tensor.ofLongs(new long[] {2}, 32, 64))
                .initializer("s2", Tensor.ofLongs(new long[] {2}, 64, 64))
                .initializer("k", Tensor.ofFloats(new long[] {1}, 1e-5f))
                .node("ConstantOfShape", List.of("s1"), List.of("w1"),
                        Map.of("value", Attr.of(Tensor.ofFloats(new long[] {1}, 100f))))
                .node("ConstantOfShape", List.of("s2"), List.of("w2"),
                        Map.of("value", Attr.of(Tensor.ofFloats(new long[] {1}, 100f))))
                .node("MatMul", List.of("x", "w1"), List.of("h1"))
                .node("MatMul", List.of("h1", "w2"), List.of("h2"))
                .node("Mul", List.of("h2", "k"), List.of("h3"))
                .node("Relu", List.of("h3"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 64).build();
    }

    /**
     * A light VGG: Conv (3→8, 3×3, weights 1.0 from ConstantOfShape) → Relu → MaxPool → Flatten → Gemm (512→64,
     * weights 1.0) → Relu → Gemm (64→10, weights 1.0) → Softmax. On x in [0,1)^{3×16×16} the first Gemm reaches
     * ~ 27·0.5·512 ≈ 7,000 and the second ~ 64 · 7,000 ≈ 450,000.
     */
    static Model convLight() {
        GraphBuilder b = GraphBuilder.model("light_vgg")
                .input("x", DataType.FLOAT, 1, 3, 16, 16)
                .initializer("cs", Tensor.ofLongs(new long[] {4}, 8, 3, 3, 3))
                .initializer("g1s", Tensor.ofLongs(new long[] {2}, 512, 64))
                .initializer("g2s", Tensor.ofLongs(new long[] {2}, 64, 10))
                .initializer("flat", Tensor.ofLongs(new long[] {2}, 1, 512));
        for (String[] c : new String[][] {{"cs", "cw"}, {"g1s", "g1w"}, {"g2s", "g2w"}}) {
            b.node("ConstantOfShape", List.of(c[0]), List.of(c[1]),
                    Map.of("value", Attr.of(Tensor.ofFloats(new long[] {1}, 1f))));
        }
        return b.node("Conv", List.of("x", "cw"), List.of("c"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))
                .node("Relu", List.of("c"), List.of("r"))
                .node("MaxPool", List.of("r"), List.of("p"), Map.of("kernel_shape", Attr.ofInts(2, 2),
                        "strides", Attr.ofInts(2, 2)))
                .node("Reshape", List.of("p", "flat"), List.of("f"))
                .node("Gemm", List.of("f", "g1w"), List.of("g1"))
                .node("Relu", List.of("g1"), List.of("r1"))
                .node("Gemm", List.of("r1", "g2w"), List.of("g2"))
                .node("Softmax", List.of("g2"), List.of("y"), Map.of("axis", Attr.of(1L)))
                .output("y", DataType.FLOAT, 1, 10).build();
    }

    @Test
    void aLightVggWhoseLogitsOverflowFloat16() throws Exception {
        Path in = write(convLight(), "light_vgg.onnx");
        Path out = dir.resolve("out.onnx");
        Path json = dir.resolve("r.json");
        Main.Execution run = Main.execute("run", "-p", "convert_fp16(keep_io_types=true)", "-i", in.toString(),
                "-o", out.toString(), "--report-json", json.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("Gemm_1 +Gemm +g2 +4\\.\\d+e\\+05");
        try (OrtRunner r = OrtRunner.open(out)) {
            float[] x = new float[3 * 16 * 16];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i % 11) / 11f;
            }
            for (float v : r.run(Map.of("x", Tensor.ofFloats(new long[] {1, 3, 16, 16}, x))).get("y").toFloatArray()) {
                assertThat(v).isFinite();
            }
        }
        Main.Execution off = Main.execute("run", "-p", "convert_fp16(keep_io_types=true, range_check=false)", "-i",
                in.toString(), "-o", dir.resolve("off.onnx").toString(), "--latency-runs", "1");
        assertThat(off.exitCode()).as(off.err()).isEqualTo(1);
        assertThat(off.err()).contains("output 'y': 80 values are non-finite");
        // nothing could be compared: the table says so instead of showing a perfect cosine
        assertThat(off.out()).doesNotContain("1.000000").contains("NaN");
    }

    Path write(Model m, String name) {
        Path p = dir.resolve(name);
        ModelWriter.write(m, p);
        return p;
    }

    static float[] runModel(Path model) {
        float[] x = new float[32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 5 + 1) / 6f;
        }
        try (OrtRunner r = OrtRunner.open(model)) {
            return r.run(Map.of("x", Tensor.ofFloats(new long[] {1, 32}, x))).get("y").toFloatArray();
        }
    }

    @Test
    void fp16OnAModelWhoseActivationsOverflowWritesFiniteOutputsAndNamesTheNodesKeptFloat32() throws Exception {
        Path in = write(overflowing(), "light.onnx");
        Path out = dir.resolve("out.onnx");
        Path json = dir.resolve("r.json");
        Main.Execution run = Main.execute("run", "-p", "convert_fp16(keep_io_types=true)", "-i", in.toString(),
                "-o", out.toString(), "--report-json", json.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        float[] want = runModel(in);
        float[] got = runModel(out);
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).as("y[%d]", i).isFinite();
            assertThat((double) got[i]).isCloseTo(want[i], org.assertj.core.api.Assertions.within(0.01 * want[i]));
        }
        JsonNode step = new ObjectMapper().readTree(json.toFile()).at("/steps/0");
        assertThat(step.at("/details/kept_for_range")).isNotEmpty();
        assertThat(step.at("/details/kept_for_range/0/max_abs").asDouble()).isGreaterThan(65504);
        assertThat(step.at("/statistics/nodes_kept_for_range").asLong()).isPositive();
        // the file grew (Casts, nothing to shrink): a warning, not a tick; the default check was applied
        assertThat(step.at("/verdict").asText()).isEqualTo("warning");
        assertThat(step.at("/warnings/0").asText()).contains("grew");
        assertThat(step.at("/checks")).extracting(c -> c.get("text").asText()).anySatisfy(t -> assertThat(t)
                .contains("(default"));
        assertThat(run.out()).contains("kept_for_range", "warnings:").doesNotContain("NaN");
    }

    @Test
    void withoutTheRangeCheckTheRunStopsWithExitOneNamingTheOverflowingOutput() {
        Path in = write(overflowing(), "light.onnx");
        Path out = dir.resolve("out.onnx");
        Main.Execution run = Main.execute("run", "-p", "convert_fp16(keep_io_types=true, range_check=false)", "-i",
                in.toString(), "-o", out.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains("output 'y'", "non-finite", "first at index").doesNotContain("\u2713");
        assertThat(out).doesNotExist();
    }

    @Test
    void rangesAreMeasuredOnTheDataSetARecipeNames() throws Exception {
        Path in = write(overflowing(), "light.onnx");
        Path recipe = dir.resolve("fp16.recipe");
        java.nio.file.Files.writeString(recipe, """
                recipe "fp16" version 1
                data ranges = random(count=3, seed=5)
                verify { cosine >= 0.999 }
                convert_fp16(range_data=ranges)
                """);
        Path json = dir.resolve("r.json");
        Main.Execution run = Main.execute("run", recipe.toString(), "-i", in.toString(), "-o",
                dir.resolve("out.onnx").toString(), "--report-json", json.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode step = new ObjectMapper().readTree(json.toFile()).at("/steps/0");
        assertThat(step.at("/notes").toString()).contains("value ranges measured on data set 'ranges'");
        assertThat(step.at("/statistics/nodes_kept_for_range").asLong()).isPositive();
        assertThat(step.at("/checks/0/text").asText()).isEqualTo("cosine >= 0.999");
    }

    /** y = Log(x − 0.5): NaN wherever x < 0.5; z = (x − x) / (x − x): NaN everywhere; an Identity to remove. */
    static Model nanProducing() {
        return GraphBuilder.model("nan")
                .input("x", DataType.FLOAT, 2, 8)
                .initializer("half", Tensor.ofFloats(new long[] {1}, 0.5f))
                .node("Identity", List.of("x"), List.of("xi"))
                .node("Sub", List.of("xi", "half"), List.of("d"))
                .node("Log", List.of("d"), List.of("y"))
                .node("Sub", List.of("xi", "xi"), List.of("zero"))
                .node("Div", List.of("zero", "zero"), List.of("z"))
                .output("y", DataType.FLOAT, 2, 8)
                .output("z", DataType.FLOAT, 2, 8).build();
    }

    @Test
    void nanInTheOriginalsOutputAtTheSamePlacesIsNoBreach() throws Exception {
        Path in = write(nanProducing(), "nan.onnx");
        Path json = dir.resolve("r.json");
        Main.Execution run = Main.execute("run", "-p", "remove_identity(), convert_fp16()", "-i", in.toString(),
                "-o", dir.resolve("out.onnx").toString(), "--report-json", json.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode steps = new ObjectMapper().readTree(json.toFile()).at("/steps");
        assertThat(steps.get(0).at("/changed").asBoolean()).isTrue();
        for (JsonNode s : steps) {
            assertThat(s.at("/verdict").asText()).as(s.toString()).isNotEqualTo("breach");
            assertThat(s.at("/metrics/cosine").isNumber()).as("cosine measured on the finite positions").isTrue();
            assertThat(s.at("/metrics/max_abs_error").isNumber()).isTrue();
        }
        assertThat(run.out()).doesNotContain("NaN");
    }
}
