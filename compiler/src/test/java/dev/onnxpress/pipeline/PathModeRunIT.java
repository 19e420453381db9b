package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The large-model path of verification, forced on a small model: every model version handed to ONNX Runtime
 * as a file with external data in a private temporary folder ({@link RunnableModel}, threshold lowered to 1
 * byte) and every output spilled to a temporary file ({@link FloatSeries}, bound lowered to 64 bytes). The
 * metrics and the output are exactly those of the in-memory run, and no temporary file outlives the run, on
 * success or on a breach.
 */
class PathModeRunIT {
    @TempDir
    Path dir;

    @AfterEach
    void clearProperties() {
        System.clearProperty(RunnableModel.PATH_MODE_PROPERTY);
        System.clearProperty(FloatSeries.SPILL_PROPERTY);
    }

    private PipelineReport run(String steps, Path out) throws Exception {
        String text = "recipe \"p\" version 1\n"
                + "data test = idx(images=\"" + SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz")
                + "\", labels=\"" + SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz")
                + "\", scale=1/255, count=200)\n"
                + "verify using test { accuracy max_drop 5% }\n" + steps;
        Path recipe = dir.resolve("r.recipe");
        Files.writeString(recipe, text);
        Plan plan = new Binder().bindFile(recipe, "r.recipe");
        RunSettings s = RunSettings.defaults().withLatencyIterations(1).withProgress(false).withBatchSize(7);
        return new PassManager(s).run(plan, SharedFiles.model("lenet5_fashion"), Optional.of(out));
    }

    private static void forceFiles() {
        System.setProperty(RunnableModel.PATH_MODE_PROPERTY, "1");
        System.setProperty(FloatSeries.SPILL_PROPERTY, "64");
    }

    private static long scratchFiles() throws Exception {
        long n = 0;
        for (Path d : TempDirs.live()) {
            try (Stream<Path> s = Files.walk(d)) {
                n += s.filter(Files::isRegularFile).count();
            }
        }
        return n;
    }

    @Test
    void filesAndSpilledOutputsGiveTheSameMetricsAndModel() throws Exception {
        String steps = "prune_magnitude(sparsity=30%)\nquantize_int8(method=minmax, calibration=test)\n"
                + "fold_constants()\n";
        Path memOut = dir.resolve("mem.onnx");
        PipelineReport mem = run(steps, memOut);
        forceFiles();
        Path fileOut = dir.resolve("file.onnx");
        long written = RunnableModel.WRITTEN.get();
        long spilled = FloatSeries.SPILLED.get();
        PipelineReport file = run(steps, fileOut);
        long changed = file.steps().stream().filter(PipelineReport.StepReport::changed).count();
        // the input, unchanged, is opened from its own file; each changed step is written once
        assertThat(RunnableModel.WRITTEN.get() - written).as("changed steps as files").isEqualTo(changed);
        assertThat(FloatSeries.SPILLED.get() - spilled).as("outputs spilled").isEqualTo(1 + changed);
        assertThat(changed).isEqualTo(2);
        assertThat(scratchFiles()).isZero();

        assertThat(file.baseline().accuracy()).isEqualTo(mem.baseline().accuracy());
        assertThat(file.steps()).hasSameSizeAs(mem.steps());
        for (int i = 0; i < mem.steps().size(); i++) {
            // bit-identical: the same values read in the same order, from files instead of arrays
            assertThat(file.steps().get(i).metrics()).isEqualTo(mem.steps().get(i).metrics());
            assertThat(file.steps().get(i).verdict().checks()).isEqualTo(mem.steps().get(i).verdict().checks());
        }
        assertThat(mem.steps().get(0).changed()).isTrue();
        assertThat(mem.steps().get(1).changed()).isTrue();
        assertThat(mem.steps().get(1).metrics().accuracy()).isPresent();
        assertThat(differences(fileOut, memOut)).isEmpty();
    }

    @Test
    void aBreachLeavesNoScratchFiles() throws Exception {
        forceFiles();
        String steps = "prune_magnitude(sparsity=99%)\n";
        assertThatThrownBy(() -> run(steps, dir.resolve("never.onnx")))
                .isInstanceOf(ToleranceBreachException.class);
        assertThat(scratchFiles()).isZero();
        assertThat(dir.resolve("never.onnx")).doesNotExist();
    }

    /** Initializers of {@code a} whose content differs from {@code b}'s. */
    private static List<String> differences(Path a, Path b) {
        Model ma = ModelReader.read(a);
        Model mb = ModelReader.read(b);
        List<String> out = new java.util.ArrayList<>();
        Map<String, Tensor> others = new HashMap<>();
        mb.graph().initializers().forEach((v, t) -> others.put(v.name(), t));
        ma.graph().initializers().forEach((v, x) -> {
            Tensor y = others.get(v.name());
            if (y == null || !x.contentEquals(y)) {
                out.add(v.name());
            }
        });
        assertThat(others).hasSameSizeAs(ma.graph().initializers());
        return out;
    }
}
