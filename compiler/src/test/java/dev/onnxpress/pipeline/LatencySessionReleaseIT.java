package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The input model's latency session is not kept open while a data-driven pass runs its own sessions: it is
 * closed before such a pass and opened again for the step's comparison; steps without data keep it.
 */
class LatencySessionReleaseIT {
    @TempDir
    Path dir;

    private long opens(String steps) throws Exception {
        String text = "recipe \"l\" version 1\n"
                + "data calib = idx(images=\"" + SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz")
                + "\", scale=1/255, count=32)\n" + steps;
        Path recipe = dir.resolve("r.recipe");
        Files.writeString(recipe, text);
        Plan plan = new Binder().bindFile(recipe, "r.recipe");
        RunSettings s = RunSettings.defaults().withLatencyIterations(1).withProgress(false);
        long before = StepLatency.ORIGINAL_OPENS.get();
        PipelineReport r = new PassManager(s).run(plan, SharedFiles.model("lenet5_fashion"),
                Optional.of(dir.resolve("out.onnx")));
        assertThat(r.steps().get(0).changed()).isTrue();
        return StepLatency.ORIGINAL_OPENS.get() - before;
    }

    @Test
    void closedBeforeADataDrivenPassAndReopenedForItsComparison() throws Exception {
        // baseline, then closed for quantize_int8's calibration and opened again to time the quantized model
        assertThat(opens("quantize_int8(method=minmax, calibration=calib)\nfold_constants()\n")).isEqualTo(2);
    }

    @Test
    void keptAcrossStepsWithoutData() throws Exception {
        assertThat(opens("share_weights(bits=5)\nfold_constants()\n")).isEqualTo(1);
    }
}
