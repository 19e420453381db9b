package dev.onnxpress.tune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.pipeline.RunSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Candidates are measured through the binder and pass manager, and a second search resumes from the cache file. */
class EvaluationsIT {
    private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private static String header() {
        DataSource src = DataSource.of(EXAMPLES.resolve("data/t1k-images-idx3-ubyte.gz"),
                Optional.of(EXAMPLES.resolve("data/t1k-labels-idx1-ubyte.gz")), 1 / 255.0);
        return "recipe \"t\" version 1\n" + src.declaration("calib", false, 0, 50, Optional.empty()) + "\n"
                + src.declaration("select", true, 50, 200, Optional.empty()) + "\nverify using select { }\n";
    }

    @Test
    void measuresStepsAsTheyWouldRunAndResumesFromTheCacheFile() throws Exception {
        Path model = EXAMPLES.resolve("lenet5_fashion/model.onnx");
        Path cache = dir.resolve("c.jsonl");
        RunSettings settings = RunSettings.defaults().withLatencyIterations(0).withProgress(false);
        List<String> steps = List.of("strip_docs(names=compact, keep_producer=false)");
        Evaluations first = new Evaluations(model, header(), settings, Optional.of(cache));
        Measurement original = first.measure(List.of());
        Measurement packed = first.measure(steps);
        Measurement broken = first.measure(List.of("prune_magnitude(sparsity=50%, layers=all, criterion=obs)"));
        assertThat(first.runs()).isEqualTo(3);
        assertThat(original.ok()).isTrue();
        assertThat(original.bytes()).isEqualTo(Files.size(model));
        assertThat(original.cosine()).isEqualTo(1);
        assertThat(packed.ok()).isTrue();
        assertThat(packed.bytes()).isLessThan(original.bytes());
        assertThat(packed.accuracy()).isEqualTo(original.accuracy()).isBetween(0.5, 1.0);
        assertThat(broken.ok()).isFalse();
        assertThat(broken.error().orElseThrow()).contains("compensate");
        assertThat(Files.readAllLines(cache)).hasSize(3);

        Evaluations again = new Evaluations(model, header(), settings, Optional.of(cache));
        assertThat(again.measure(steps)).isEqualTo(packed);
        assertThat(again.measure(List.of("prune_magnitude(sparsity=50%, layers=all, criterion=obs)"))).isEqualTo(broken);
        assertThat(again.runs()).isZero();
        assertThat(again.hits()).isEqualTo(2);
        // another seed is another search: nothing is reused
        Evaluations seeded = new Evaluations(model, header(), settings.withSeed(7), Optional.of(cache));
        assertThat(seeded.cached(steps)).isEmpty();
    }

    @Test
    void aCandidateIsHeldToTheBudgetOnItsLastStepAndStillMeasuredWhenItBreaksIt() {
        Path model = EXAMPLES.resolve("lenet5_fashion/model.onnx");
        RunSettings settings = RunSettings.defaults().withLatencyIterations(0).withProgress(false);
        // early exits replace the logits of the samples they take: far below the default cosine 0.99
        List<String> exits = List.of("add_early_exits(auto_count=1, calibration=calib, max_drop=0.05)");
        Measurement plain = new Evaluations(model, header(), settings, Optional.empty()).measure(exits);
        assertThat(plain.ok()).isFalse();
        assertThat(plain.error().orElseThrow()).contains("cosine");
        Measurement held = new Evaluations(model, header(), settings, Optional.empty(),
                Optional.of("accuracy max_drop 20%")).measure(exits);
        assertThat(held.ok()).as("%s", held).isTrue();
        assertThat(held.cosine()).isLessThan(0.99);
        // a budget the candidate breaks: measured all the same, its loss is what says so
        Evaluations strict = new Evaluations(model, header(), settings, Optional.empty(),
                Optional.of("accuracy max_drop 0.0001%"));
        double originalAccuracy = strict.measure(List.of()).accuracy();
        Measurement over = strict.measure(
                List.of("prune_channels(criterion=l1, ratio=0.6, layers=op(\"Conv\"))"));
        assertThat(over.ok()).as("%s", over).isTrue();
        assertThat(over.accuracy()).isLessThan(originalAccuracy);
        assertThat(over.macs()).isPositive();
    }
}
