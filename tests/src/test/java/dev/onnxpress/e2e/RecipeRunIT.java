package dev.onnxpress.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.PassCatalog;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.passes.Param;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.pipeline.ToleranceBreachException;
import dev.onnxpress.report.JsonReport;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipes run end to end through the CLI on the shared models and data. */
class RecipeRunIT {
    @TempDir
    Path dir;

    static String fashionTest(int count) {
        return "data test = idx(images=\"" + SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz") + "\",\n"
                + "                labels=\"" + SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz") + "\","
                + " scale=1/255" + (count > 0 ? ", count=" + count : "") + ")\n";
    }

    Path recipe(String text) throws Exception {
        Path r = dir.resolve("recipe.txt");
        Files.writeString(r, text);
        return r;
    }

    static JsonNode json(Path p) throws Exception {
        return new ObjectMapper().readTree(p.toFile());
    }

    @Test
    void strippingRecipeOnLenet5KeepsTheFullTestSetAccuracyAtEveryStep() throws Exception {
        Path recipe = recipe("recipe \"lenet5 strip\" version 1\n" + fashionTest(0)
                + "verify using test { accuracy max_drop 0.1% }\n"
                + "strip_training_nodes()\nremove_identity()\nremove_dead_nodes()\n");
        Path model = SharedFiles.model("lenet5_fashion");
        byte[] before = Files.readAllBytes(model);
        Path out = dir.resolve("out.onnx");
        Path report = dir.resolve("report.json");
        Path html = dir.resolve("report.html");
        Main.Execution run = Main.execute("run", recipe.toString(), "-i", model.toString(), "-o", out.toString(),
                "--report-json", report.toString(), "--report-html", html.toString(), "--latency-runs", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(out).exists();
        assertThat(html).exists();
        assertThat(Files.readAllBytes(model)).isEqualTo(before);
        JsonNode r = json(report);
        assertThat(r.at("/baseline/accuracy").asDouble()).isEqualTo(0.8985);
        assertThat(r.at("/steps")).hasSize(3);
        for (JsonNode step : r.at("/steps")) {
            assertThat(step.at("/metrics/accuracy").asDouble()).isEqualTo(0.8985);
            assertThat(step.at("/verdict").asText()).isEqualTo("ok");
        }
        assertThat(r.at("/steps/0/pass").asText()).isEqualTo("strip_training_nodes");
        assertThat(r.at("/steps/2/location").asText()).endsWith("recipe.txt:7:1");
        assertThat(run.out()).contains("remove_dead_nodes");
    }

    @Test
    void roundOffBeyondAZeroToleranceStopsTheRunWithExitOneAndStillWritesTheReport() throws Exception {
        // folding BatchNormalization into Conv weights changes float round-off: "vs previous <= 0" must breach
        Path recipe = recipe("recipe \"vgg fold\" version 1\n" + fashionTest(64)
                + "verify using test { accuracy max_drop 1% }\n"
                + "strip_training_nodes()\nfold_batchnorm()\n  tolerance { max_abs_error vs previous <= 0 }\n"
                + "remove_identity()\n");
        Path out = dir.resolve("out.onnx");
        Path report = dir.resolve("report.json");
        Main.Execution run = Main.execute("run", recipe.toString(), "-i", SharedFiles.model("vgg_bn_fashion").toString(),
                "-o", out.toString(), "--report-json", report.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        // stderr: one live line per step, then the error line
        List<String> lines = run.err().strip().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).contains("fold_batchnorm()").endsWith("BREACH");
        assertThat(lines.get(2)).matches("onnxpress: " + java.util.regex.Pattern.quote(recipe.toString())
                + ":6:1: fold_batchnorm\\(\\): max_abs_error vs previous [0-9.e-]+ > 0");
        assertThat(out).doesNotExist();
        JsonNode r = json(report);
        assertThat(r.at("/outcome/status").asText()).isEqualTo("tolerance_breach");
        assertThat(r.at("/steps")).hasSize(2);
        assertThat(r.at("/steps/1/verdict").asText()).isEqualTo("breach");
        assertThat(r.at("/output").isNull() || r.at("/output").isMissingNode()).isTrue();
    }

    /** Test-only lossy pass: zeroes the largest float weight tensor. */
    record ZeroOptions(@Param(doc = "unused", dflt = "true") boolean largest) {
    }

    static final class ZeroLargestWeightPass implements Pass<ZeroOptions> {
        @Override
        public PassInfo info() {
            return new PassInfo("zero_largest_weight", "zeroes the largest float initializer",
                    Set.of(PassInfo.Trait.LOSSY), List.of("values_zeroed"));
        }

        @Override
        public Class<ZeroOptions> optionsType() {
            return ZeroOptions.class;
        }

        @Override
        public PassResult run(Model model, ZeroOptions options, PassContext ctx) {
            Value largest = null;
            long size = -1;
            for (Map.Entry<Value, Tensor> e : model.graph().initializers().entrySet()) {
                if (e.getValue().dataType() == DataType.FLOAT && e.getValue().elementCount() > size) {
                    largest = e.getKey();
                    size = e.getValue().elementCount();
                }
            }
            Tensor t = model.graph().initializer(largest).orElseThrow();
            new Rewriter(model).setInitializer(largest, Tensor.ofFloats(t.dims(), new float[(int) size]));
            return PassResult.builder().stat("values_zeroed", size).build(true);
        }
    }

    @Test
    void lossyTestPassBreachesAtItsLineWithNoOutputAndAReport() throws Exception {
        Path recipe = recipe("recipe \"breach\" version 1\n" + fashionTest(1000)
                + "verify using test { accuracy max_drop 2% }\n"
                + "remove_identity()\n"
                + "zero_largest_weight()\n"
                + "remove_dead_nodes()\n");
        Plan plan = new Binder(PassCatalog.registryPlus(List.of(new ZeroLargestWeightPass())))
                .bindFile(recipe, "recipe.txt");
        Path out = dir.resolve("out.onnx");
        RunSettings settings = RunSettings.defaults().withLatencyIterations(1).withProgress(false);
        assertThatThrownBy(() -> new PassManager(settings).run(plan, SharedFiles.model("lenet5_fashion"),
                Optional.of(out)))
                .isInstanceOfSatisfying(ToleranceBreachException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(1);
                    assertThat(e.getMessage()).matches(
                            "recipe\\.txt:6:1: zero_largest_weight\\(\\): accuracy 0\\.\\d+ < 0\\.\\d+");
                    Path report = dir.resolve("report.json");
                    JsonReport.write(e.report(), report);
                    try {
                        JsonNode r = json(report);
                        assertThat(r.at("/outcome/status").asText()).isEqualTo("tolerance_breach");
                        assertThat(r.at("/steps/1/pass").asText()).isEqualTo("zero_largest_weight");
                        assertThat(r.at("/steps/1/metrics/accuracy").asDouble()).isLessThan(0.5);
                    } catch (Exception x) {
                        throw new AssertionError(x);
                    }
                });
        assertThat(out).doesNotExist();
    }
}
