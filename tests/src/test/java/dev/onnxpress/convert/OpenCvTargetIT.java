package dev.onnxpress.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.PassCatalog;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.cli.Main;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.Param;
import dev.onnxpress.passes.Pass;
import dev.onnxpress.passes.PassContext;
import dev.onnxpress.passes.PassInfo;
import dev.onnxpress.passes.PassResult;
import dev.onnxpress.pipeline.PassManager;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.pipeline.ToleranceBreachException;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenCV DNN as a second verification runtime on the shared models: make_compatible(runtime=opencv)
 * turns models OpenCV rejects or computes wrongly into ones it runs at the reference's fidelity, and a
 * step that breaks the model for OpenCV is a breach naming the runtime, its message and the node.
 */
class OpenCvTargetIT {
    private static final String CHECKS = "{ cosine >= 0.9999  max_abs_error <= 1e-3 }";

    @TempDir
    Path dir;

    private JsonNode run(String model, int count, String dims, String steps) throws Exception {
        Path recipe = dir.resolve("r.recipe");
        Files.writeString(recipe, "recipe \"opencv\" version 1\n"
                + "data probes = random(count=" + count + ", seed=3, dims=[" + dims + "])\n"
                + "verify using probes on opencv " + CHECKS + "\n" + steps + "\n");
        Path report = dir.resolve("r.json");
        Main.Execution e = Main.execute("run", recipe.toString(), "-i", SharedFiles.model(model).toString(),
                "-o", dir.resolve("out.onnx").toString(), "--report-json", report.toString(), "--latency-runs", "1");
        assertThat(e.exitCode()).as(e.err()).isZero();
        return new ObjectMapper().readTree(report.toFile());
    }

    @Test
    void ppocrv4RecFailsToLoadInOpenCvUntilMakeCompatibleFixesItsShapes() throws Exception {
        JsonNode r = run("ppocrv4_rec", 1, "\"p2o.DynamicDimension.0=1\", \"p2o.DynamicDimension.1=160\"",
                "make_compatible(runtime=opencv)");
        JsonNode base = r.at("/baseline_by_runtime/opencv");
        assertThat(base.at("/ran").asBoolean()).isFalse();
        assertThat(base.at("/error").asText()).startsWith("OpenCV cannot load the model: node 'p2o.Concat.7' (Concat)");
        JsonNode after = r.at("/steps/0/metrics_by_runtime/opencv");
        assertThat(after.at("/ran").asBoolean()).isTrue();
        assertThat(after.at("/metrics/cosine").asDouble()).isGreaterThanOrEqualTo(0.9999);
        assertThat(after.at("/passed").asBoolean()).isTrue();
        assertThat(r.at("/steps/0/metrics_by_runtime/ort/metrics/cosine").asDouble()).isGreaterThan(0.99999);
    }

    @Test
    void ppocrClsRunsWronglyInOpenCvWithSymbolicShapesAndRightAfterMakeCompatible() throws Exception {
        // in batches of 4: OpenCV computes the symbolic-shape model right for one sample, wrong for several
        JsonNode r = run("ppocr_cls_mobile_v2", 4, "\"p2o.DynamicDimension.0=1\", \"p2o.DynamicDimension.1=48\","
                + " \"p2o.DynamicDimension.2=192\"", "make_compatible(runtime=opencv)");
        JsonNode base = r.at("/baseline_by_runtime/opencv");
        assertThat(base.at("/ran").asBoolean()).isTrue();
        assertThat(base.at("/metrics/max_abs_error").asDouble()).isGreaterThan(0.01);
        assertThat(base.at("/passed").asBoolean()).isFalse();
        assertThat(r.at("/steps/0/metrics_by_runtime/opencv/metrics/cosine").asDouble()).isGreaterThan(0.99999);
        assertThat(r.at("/steps/0/metrics_by_runtime/opencv/metrics/max_abs_error").asDouble()).isLessThan(1e-4);
    }

    /** Test-only pass: Relu(x) ⇒ Relu(Mean(x, x)), exact, but OpenCV 4.9 cannot import Mean. */
    record MeanOptions(@Param(doc = "unused", dflt = "true") boolean on) {
    }

    static final class InsertMeanPass implements Pass<MeanOptions> {
        @Override
        public PassInfo info() {
            return new PassInfo("insert_mean", "puts Mean(x, x) before the first Relu",
                    Set.of(PassInfo.Trait.PRESERVES_SEMANTICS), List.of());
        }

        @Override
        public Class<MeanOptions> optionsType() {
            return MeanOptions.class;
        }

        @Override
        public PassResult run(Model model, MeanOptions options, PassContext ctx) {
            Node relu = model.graph().nodes().stream().filter(n -> n.is("Relu")).findFirst().orElseThrow();
            Rewriter rw = new Rewriter(model);
            var mean = rw.add(model.graph(), "Mean", "mean_before_relu", List.of(relu.input(0), relu.input(0)),
                    java.util.Map.of());
            rw.setInput(relu, 0, mean);
            return PassResult.builder().build(true);
        }
    }

    @Test
    void aStepThatBreaksTheModelForOpenCvIsABreachWithOpenCvsMessageAndTheNode() throws Exception {
        Path recipe = dir.resolve("b.recipe");
        Files.writeString(recipe, "recipe \"b\" version 1\ndata probes = random(count=2, dims=[\"batch=2\"])\n"
                + "verify using probes on opencv " + CHECKS + "\nremove_identity()\ninsert_mean()\n");
        Plan plan = new Binder(PassCatalog.registryPlus(List.of(new InsertMeanPass()))).bindFile(recipe, "b.recipe");
        assertThat(plan.targets()).containsExactly("opencv");
        RunSettings settings = RunSettings.defaults().withLatencyIterations(1).withProgress(false);
        assertThatThrownBy(() -> new PassManager(settings).run(plan, SharedFiles.model("lenet5_fashion"),
                Optional.of(dir.resolve("out.onnx"))))
                .isInstanceOfSatisfying(ToleranceBreachException.class, e -> {
                    assertThat(e.getMessage()).startsWith("b.recipe:5:1: insert_mean(): OpenCV cannot load the model:"
                            + " node 'mean_before_relu' (Mean): ").endsWith("(the model before this step ran in opencv)");
                    var step = e.report().steps().get(1);
                    assertThat(step.verdict().passed()).isFalse();
                    assertThat(step.byRuntime().get("opencv").inherited()).isFalse();
                    assertThat(step.notes()).anyMatch(n -> n.startsWith("warning: opencv cannot run what this step"
                            + " wrote") && n.contains("op:Mean (make_compatible fixes it)"));
                });
    }

    @Test
    void verifyOnAnUnknownRuntimeIsAUserError() {
        Main.Execution e = Main.execute("run", "-p", "remove_identity()", "-i",
                SharedFiles.model("lenet5_fashion").toString(), "--verify-on", "tensorrt");
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.err()).contains("--verify-on: unknown runtime 'tensorrt' after 'on' (known: opencv, ort,"
                + " ort_mobile)");
    }

    @Test
    void inspectWithARuntimeListsWhatItCannotRunAndWhetherMakeCompatibleFixesIt() {
        Main.Execution e = Main.execute("inspect", SharedFiles.model("ppocrv4_rec").toString(), "--runtime", "opencv");
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(e.out()).contains("runtime opencv (capability table measured on OpenCV DNN 4.9.0)")
                .contains("loads now   no: OpenCV cannot load the model: node 'p2o.Concat.7' (Concat)")
                .contains("fixable   model inputs: shape:symbolic_input_dims")
                .contains("make_compatible(runtime=opencv) fixes all of these");
        Main.Execution yolo = Main.execute("inspect", SharedFiles.model("yolox_nano").toString(), "--runtime",
                "opencv", "--json");
        assertThat(yolo.out()).contains("\"loads\" : true").contains("\"findings\" : [ ]");
    }

    @Test
    void compressingThenTargetingOpenCvVerifiesEveryStepInBothRuntimesInOneRun() throws Exception {
        Path examples = Path.of("..", "examples");
        Path report = dir.resolve("l.json");
        Path html = dir.resolve("l.html");
        Main.Execution e = Main.execute("run", examples.resolve("lenet5-opencv.recipe").toString(), "-i",
                examples.resolve("lenet5_fashion/model.onnx").toString(), "-o", dir.resolve("l.onnx").toString(),
                "--report-json", report.toString(), "--report-html", html.toString(), "--latency-runs", "1");
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(e.out()).contains("in OpenCV DNN 4.9.0, against the original in ONNX Runtime:");
        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertThat(r.at("/steps")).hasSize(4);
        for (JsonNode step : r.at("/steps")) {
            assertThat(step.at("/metrics_by_runtime/ort/metrics/accuracy").isNumber()).isTrue();
            assertThat(step.at("/metrics_by_runtime/opencv/ran").asBoolean()).isTrue();
            assertThat(step.at("/metrics_by_runtime/opencv/checks/0/metric").asText()).isEqualTo("accuracy");
            // both runtimes agree on the pruned model to float round-off
            assertThat(step.at("/metrics_by_runtime/opencv/metrics/accuracy").asDouble())
                    .isEqualTo(step.at("/metrics_by_runtime/ort/metrics/accuracy").asDouble());
        }
        assertThat(r.at("/steps/2/pass").asText()).isEqualTo("prune_channels");
        // make_compatible() without runtime= took the one the recipe verifies on
        assertThat(r.at("/steps/3/pass").asText()).isEqualTo("make_compatible");
        assertThat(Files.readString(html)).contains("<h2>In OpenCV DNN 4.9.0</h2>");
    }
}
