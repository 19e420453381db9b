package dev.onnxpress.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.cli.Main;
import dev.onnxpress.passes.PassRegistry;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three recipes of design/RECIPES.md, taken from that file as written and run through the CLI on the
 * shared models: each completes (exit 0, model written, every step within tolerance) or stops at a clean
 * tolerance breach (exit 1, no model, the breaching step is the last one in the report) — never an
 * internal error. The recipes' relative paths ({@code ../data}, {@code ../models}) resolve through links
 * in a temporary folder laid out like the shared one. For speed the Fashion-MNIST data sets are cut
 * ({@code count=} added): the test set to its first {@value #TEST_SAMPLES} images, the calibration set to
 * {@value #CALIBRATION_SAMPLES}.
 */
class DesignRecipesIT {
    static final int TEST_SAMPLES = 500;
    static final int CALIBRATION_SAMPLES = 256;

    @TempDir
    Path dir;

    /** The recipe whose first line is {@code # NAME.recipe}, with the test set cut to TEST_SAMPLES images. */
    Path designRecipe(String name) throws Exception {
        String doc = Files.readString(SharedFiles.file("design/RECIPES.md"));
        Matcher block = Pattern.compile("```\\n(# " + Pattern.quote(name) + "\\b.*?)```", Pattern.DOTALL).matcher(doc);
        assertThat(block.find()).as("recipe %s in RECIPES.md", name).isTrue();
        String text = block.group(1);
        text = cut(text, "test", TEST_SAMPLES);
        text = cut(text, "calib", CALIBRATION_SAMPLES);
        Path design = Files.createDirectories(dir.resolve("design"));
        Files.createSymbolicLink(dir.resolve("data"), SharedFiles.dir().resolve("data"));
        Files.createSymbolicLink(dir.resolve("models"), SharedFiles.dir().resolve("models"));
        Path recipe = design.resolve(name + ".recipe");
        Files.writeString(recipe, text);
        return recipe;
    }

    /** The links go before JUnit cleans the folder, which would otherwise warn about each one. */
    @AfterEach
    void removeLinks() throws Exception {
        Files.deleteIfExists(dir.resolve("data"));
        Files.deleteIfExists(dir.resolve("models"));
    }

    /** Adds {@code count=N} to the idx data set {@code name} when the recipe declares one. */
    static String cut(String recipe, String name, int count) {
        Matcher m = Pattern.compile("(data " + name + "\\s*=\\s*idx\\([^)]*)\\)").matcher(recipe);
        return m.find() ? recipe.substring(0, m.start()) + m.group(1) + ", count=" + count + ")"
                + recipe.substring(m.end()) : recipe;
    }

    record Outcome(Main.Execution run, JsonNode report, Path out) {
    }

    Outcome run(String recipeName, String model) throws Exception {
        Path recipe = designRecipe(recipeName);
        Path out = dir.resolve("out").resolve(model + ".onnx");
        Path json = dir.resolve("report.json");
        Main.Execution run = Main.execute("run", recipe.toString(), "-i", SharedFiles.model(model).toString(),
                "-o", out.toString(), "--report-json", json.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as("exit code; stderr:\n%s", run.err()).isIn(0, 1);
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        JsonNode steps = report.at("/steps");
        assertThat(steps.size()).isPositive();
        if (run.exitCode() == 0) {
            assertThat(report.at("/outcome/status").asText()).isEqualTo("ok");
            assertThat(out).exists();
            for (JsonNode step : steps) {
                assertThat(step.at("/verdict").asText()).as(step.toString()).isNotEqualTo("breach");
            }
        } else {
            assertThat(report.at("/outcome/status").asText()).isEqualTo("tolerance_breach");
            assertThat(steps.get(steps.size() - 1).at("/verdict").asText()).isEqualTo("breach");
            assertThat(run.err().strip().lines().reduce((a, b) -> b).orElseThrow())
                    .startsWith("onnxpress: " + recipe + ":");
            assertThat(out).doesNotExist();
        }
        return new Outcome(run, report, out);
    }

    @Test
    void lenet5DeepCompressionCompletesOrStopsAtACleanBreach() throws Exception {
        Outcome o = run("fashion-lenet5-deep-compression", "lenet5_fashion");
        assertThat(o.report().at("/steps/0/pass").asText()).isEqualTo("strip_training_nodes");
        if (o.run().exitCode() == 0) {
            // packed, verified through the onnxpress runtime with zero drift
            assertThat(o.report().at("/steps/3/pass").asText()).isEqualTo("pack_huffman");
            assertThat(o.report().at("/steps/3/metrics/max_abs_error").asDouble()).isZero();
        }
    }

    @Test
    void vggSlimRunsOnceAddEarlyExitsIsRegistered() throws Exception {
        if (PassRegistry.find("add_early_exits").isEmpty()) {
            // not registered: the recipe is refused at bind time, at the step's line, before the model is read
            Path recipe = designRecipe("vgg-slim");
            Main.Execution run = Main.execute("run", recipe.toString(), "-i",
                    SharedFiles.model("vgg_bn_fashion").toString(), "-o", dir.resolve("out.onnx").toString());
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).contains(":14:1: unknown pass 'add_early_exits'");
            return;
        }
        Outcome o = run("vgg-slim", "vgg_bn_fashion");
        // the try block reports each attempt it made, the first of them at r=50%
        assertThat(o.report().at("/steps/0/pass").asText()).isEqualTo("prune_channels");
        assertThat(o.report().at("/steps/0/attempt").asText()).contains("50%");
    }

    @Test
    void ultrafaceForOtherRuntimesCompletesWithExternalData() throws Exception {
        Outcome o = run("ultraface-for-other-runtimes", "ultraface_rfb640");
        // fold_constants on this model used to fail with an internal error; now the whole recipe runs
        assertThat(o.run().exitCode()).as(o.run().err()).isZero();
        assertThat(o.out().resolveSibling("ultraface_rfb640.onnx.data")).exists();
        for (JsonNode step : o.report().at("/steps")) {
            assertThat(step.at("/metrics/cosine").asDouble()).isGreaterThanOrEqualTo(0.9999);
        }
    }
}
