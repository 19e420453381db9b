package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.report.PipelineReport.StepReport;
import dev.onnxpress.testing.GraphBuilder;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --batch}: the evaluation data and the calibration data run through ONNX Runtime in batches of the
 * given size (or an automatic one), and the result does not depend on it: the same metrics and the same
 * model bytes with batches of 1, 7 and automatic (256 for LeNet-5).
 */
class BatchedRunIT {
    @TempDir
    Path dir;

    private PipelineReport run(int batch, int threads, Path out) throws Exception {
        String text = "recipe \"b\" version 1\n"
                + "data test = idx(images=\"" + SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz")
                + "\", labels=\"" + SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz")
                + "\", scale=1/255, count=300)\n"
                + "verify using test { accuracy max_drop 5% }\n"
                + "quantize_int8(method=percentile, calibration=test)\n";
        Path recipe = dir.resolve("r.recipe");
        Files.writeString(recipe, text);
        Plan plan = new Binder().bindFile(recipe, "r.recipe");
        RunSettings s = RunSettings.defaults().withLatencyIterations(1).withProgress(false).withBatchSize(batch)
                .withThreads(threads);
        return new PassManager(s).run(plan, SharedFiles.model("lenet5_fashion"), Optional.of(out));
    }

    @Test
    void batchedEvaluationEqualsUnbatched() throws Exception {
        Path auto = dir.resolve("auto.onnx");
        Path seven = dir.resolve("seven.onnx");
        Path one = dir.resolve("one.onnx");
        PipelineReport a = run(0, 1, auto);
        PipelineReport b = run(7, 1, seven);
        PipelineReport c = run(1, 2, one);
        for (PipelineReport r : List.of(b, c)) {
            assertThat(r.baseline().accuracy()).isEqualTo(a.baseline().accuracy());
            StepReport x = r.steps().get(0);
            StepReport y = a.steps().get(0);
            assertThat(x.changed()).isTrue();
            assertThat(x.metrics().accuracy()).isEqualTo(y.metrics().accuracy());
            assertThat(x.metrics().top1Agreement()).isEqualTo(y.metrics().top1Agreement());
            assertThat(x.metrics().cosine()).isCloseTo(y.metrics().cosine(), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(x.metrics().maxAbsError()).isCloseTo(y.metrics().maxAbsError(),
                    org.assertj.core.data.Offset.offset(1e-5));
        }
        assertThat(b.steps().get(0).details().get("activation_ranges"))
                .isEqualTo(a.steps().get(0).details().get("activation_ranges"));
        Path again = dir.resolve("again.onnx");
        run(0, 1, again);
        assertThat(differences(again, auto)).isEmpty();
        assertThat(differences(seven, auto)).isEmpty();
        assertThat(differences(one, auto)).isEmpty();
    }

    /** Initializers of {@code a} whose content differs from {@code b}'s, with both values' first floats. */
    private static List<String> differences(Path a, Path b) {
        Model ma = ModelReader.read(a);
        Model mb = ModelReader.read(b);
        List<String> out = new java.util.ArrayList<>();
        Map<String, Tensor> others = new java.util.HashMap<>();
        mb.graph().initializers().forEach((v, t) -> others.put(v.name(), t));
        ma.graph().initializers().forEach((v, x) -> {
            Tensor y = others.get(v.name());
            if (y == null || !x.contentEquals(y)) {
                out.add(v.name() + ": " + java.util.Arrays.toString(java.util.Arrays.copyOf(x.toDoubleArray(), 3))
                        + " vs " + (y == null ? "none" : java.util.Arrays.toString(java.util.Arrays.copyOf(y.toDoubleArray(), 3))));
            }
        });
        return out;
    }

    @Test
    void automaticBatchFollowsActivationSize() {
        assertThat(AutoBatch.of(ModelReader.read(SharedFiles.model("lenet5_fashion")))).isEqualTo(AutoBatch.MAX);
        // x[N,3,224,224] → Conv(64) → Relu: 2 × 64·224·224 floats ≈ 25.7 MB a sample → 20 samples in 512 MB
        Model wide = GraphBuilder.model("wide").opset(13)
                .input("x", DataType.FLOAT, "N", 3, 224, 224)
                .initializer("w", Tensor.ofFloats(new long[] {64, 3, 3, 3}, new float[64 * 27]))
                .node("Conv", List.of("x", "w"), List.of("c"), Map.of("pads", Attr.ofInts(1, 1, 1, 1)))
                .node("Relu", List.of("c"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 64, 224, 224)
                .build();
        assertThat(AutoBatch.activationBytesPerSample(wide)).isEqualTo(2L * 64 * 224 * 224 * 4);
        assertThat(AutoBatch.of(wide)).isEqualTo((int) (AutoBatch.BUDGET / (2L * 64 * 224 * 224 * 4)));
    }
}
