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
 * The recipe runner hands every step the run's input model as {@code PassContext.reference()}: the real
 * prune_magnitude and share_weights bind {@code reference=input} (and the other Deep Compression options)
 * and fit the original lenet5 (a pass without a reference would fail with a user error).
 */
class ReferenceInputIT {
    @TempDir
    Path dir;

    @Test
    void pruneAndShareFitTheInputModelInARecipe() throws Exception {
        String data = "idx(images=\"" + SharedFiles.data("fashion-mnist/calib2k-images-idx3-ubyte.gz")
                + "\", labels=\"" + SharedFiles.data("fashion-mnist/calib2k-labels-idx1-ubyte.gz")
                + "\", scale=1/255, count=";
        Path recipe = dir.resolve("r.recipe");
        Files.writeString(recipe, "recipe \"t\" version 1\n"
                + "data calib = " + data + "300)\n"
                + "verify using calib { accuracy max_drop 5% }\n"
                + "prune_magnitude(sparsity=80%, layers=name(\"*fc1*\"), compensate=true, criterion=obs, "
                + "refit_bias=true, weigh_outputs=true, reference=input, calibration=calib)\n"
                + "share_weights(bits=4, layers=name(\"*fc*\"), assign=compensated, refit=true, refit_bias=true, "
                + "reference=input, calibration=calib)\n");
        Plan plan = new Binder().bindFile(recipe, "r.recipe");
        PipelineReport r = new PassManager(RunSettings.defaults().withLatencyIterations(0).withProgress(false))
                .run(plan, SharedFiles.model("lenet5_fashion"), Optional.of(dir.resolve("out.onnx")));
        assertThat(r.outcome().status()).isEqualTo(PipelineReport.Status.OK);
        assertThat(r.steps()).hasSize(2);
        assertThat(r.steps().get(0).options()).contains("reference=input");
        assertThat(r.steps().get(1).options()).contains("assign=compensated");
        assertThat(r.steps().get(1).bytes()).isLessThan(r.baseline().bytes() / 2);
    }
}
