package dev.onnxpress.exits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.cli.Main;
import dev.onnxpress.data.Batch;
import dev.onnxpress.ir.Attr;
import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Early exits verified as deployed: the report's accuracy for the exits step is, to the image, what ONNX Runtime
 * gives running the written model one image at a time over the same test images. Batch gating is measured at
 * batch 1; per-sample gating gives the same answers at any batch size, so it is measured at the run's batch size.
 */
class EarlyExitsDeployedIT {
    static final int TEST_IMAGES = 500;

    @TempDir
    Path dir;

    static String data(String name, String split, int count) {
        return "data " + name + " = idx(images=\"" + SharedFiles.data("fashion-mnist/" + split + "-images-idx3-ubyte.gz")
                + "\", labels=\"" + SharedFiles.data("fashion-mnist/" + split + "-labels-idx1-ubyte.gz")
                + "\", scale=1/255, count=" + count + ")\n";
    }

    /** Runs the recipe, returns the JSON report; the written model is dir/out.onnx. */
    JsonNode run(Path model, String steps) throws Exception {
        Path recipe = dir.resolve("recipe.txt");
        Files.writeString(recipe, "recipe \"exits\" version 1\n" + data("calib", "calib2k", 1000)
                + data("test", "t10k", TEST_IMAGES) + "verify using test { accuracy max_drop 3% }\n" + steps);
        Path json = dir.resolve("report.json");
        Main.Execution r = Main.execute("run", recipe.toString(), "-i", model.toString(), "-o",
                dir.resolve("out.onnx").toString(), "--report-json", json.toString(), "--latency-runs", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("batch sizes:");
        return new ObjectMapper().readTree(json.toFile());
    }

    static JsonNode exitsStep(JsonNode report) {
        for (JsonNode s : report.path("steps")) {
            if (s.path("pass").asText().equals("add_early_exits")) {
                return s;
            }
        }
        throw new AssertionError("no add_early_exits step in " + report);
    }

    /** Top-1 accuracy of the written model in ONNX Runtime, the test images fed {@code batch} at a time. */
    double writtenAccuracy(int batch) {
        byte[] written = ModelWriter.toBytes(ModelReader.read(dir.resolve("out.onnx")));
        List<Batch> images = ExitData.batches(written, ExitData.idx("fashion-mnist", "t10k", TEST_IMAGES), batch);
        return ExitData.accuracy(written, images);
    }

    /** Returns the written model's batch-1 accuracy. */
    double assertReportIsTheDeployedModel(JsonNode report, boolean batchGate) {
        JsonNode step = exitsStep(report);
        assertThat(step.path("changed").asBoolean()).isTrue();
        assertThat(step.path("batch_dependent").asBoolean()).isEqualTo(batchGate);
        if (batchGate) {
            assertThat(step.path("batch_size").asInt()).isEqualTo(1);
        }
        assertThat(step.path("latency_batch_size").asInt()).isEqualTo(1);
        double reported = step.path("metrics").path("accuracy").asDouble();
        // to the image: both are counts over the same test images
        double deployed = writtenAccuracy(1);
        assertThat(Math.round(reported * TEST_IMAGES)).isEqualTo(Math.round(deployed * TEST_IMAGES));
        JsonNode stats = step.path("statistics");
        assertThat(stats.path("deployed_agreement").asDouble()).isGreaterThanOrEqualTo(0.99);
        // the chosen thresholds hold max_drop on the held-out calibration samples when run as deployed
        assertThat(stats.path("accuracy_deployed").asDouble())
                .isGreaterThanOrEqualTo(stats.path("accuracy_full").asDouble() - 0.005 - 1e-9);
        return deployed;
    }

    @Test
    void vggBatchGateIsReportedAtBatchOne() throws Exception {
        JsonNode report = run(SharedFiles.model("vgg_bn_fashion"),
                "add_early_exits(auto_count=1, calibration=calib, max_drop=0.5%)\n");
        assertReportIsTheDeployedModel(report, true);
    }

    /**
     * vgg_bn_fashion made residual: after each of the first two MaxPools a block adds 0.1·Relu(Conv3×3(p)) back
     * onto its input p (seeded weights), so the exits sit after Add nodes, as in a ResNet.
     */
    static Model residual() {
        Model m = ModelReader.read(SharedFiles.model("vgg_bn_fashion"));
        Graph g = m.graph();
        Rewriter rw = new Rewriter(m);
        Random random = new Random(11);
        List<Node> pools = g.nodes().stream().filter(n -> n.is("MaxPool")).limit(2).toList();
        int[] channels = {64, 128};
        for (int b = 0; b < pools.size(); b++) {
            Value p = pools.get(b).output();
            List<Value.Use> uses = List.copyOf(p.uses());
            int c = findChannels(g, p, channels[b]);
            float[] w = new float[c * c * 9];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (random.nextGaussian() * Math.sqrt(2.0 / (c * 9)));
            }
            Value wv = rw.addInitializer(g, "res" + b + "_W", Tensor.ofFloats(new long[] {c, c, 3, 3}, w));
            Value conv = rw.add(g, "Conv", "res" + b + "_conv", List.of(p, wv), Map.of("pads", Attr.ofInts(1, 1, 1, 1)));
            Value relu = rw.add(g, "Relu", "res" + b + "_relu", List.of(conv), Map.of());
            Value scale = rw.addInitializer(g, "res" + b + "_scale", Tensor.ofFloats(new long[0], 0.1f));
            Value scaled = rw.add(g, "Mul", "res" + b + "_scaled", List.of(relu, scale), Map.of());
            Value sum = rw.add(g, "Add", "res" + b + "_add", List.of(p, scaled), Map.of());
            for (Value.Use u : uses) {
                rw.setInput(u.node(), u.inputIndex(), sum);
            }
        }
        return m;
    }

    /** The channel count of a pool output: the output channels of the Conv it (indirectly) pools. */
    private static int findChannels(Graph g, Value p, int fallback) {
        Value v = p;
        for (int hops = 0; hops < 5 && v.producer().isPresent(); hops++) {
            Node n = v.producer().get();
            if (n.is("Conv")) {
                return (int) g.initializer(n.input(1)).orElseThrow().dim(0);
            }
            v = n.input(0);
        }
        return fallback;
    }

    @Test
    void residualNetBatchGateAfterTwoBlocksIsReportedAtBatchOne() throws Exception {
        Path model = dir.resolve("residual.onnx");
        ModelWriter.write(residual(), model);
        JsonNode report = run(model, "fold_batchnorm()\n"
                + "add_early_exits(after=[op(\"Add\")], calibration=calib, max_drop=0.5%)\n");
        assertReportIsTheDeployedModel(report, true);
    }

    @Test
    void residualNetPerSampleGateAnswersTheSameAtEveryBatchSize() throws Exception {
        Path model = dir.resolve("residual.onnx");
        ModelWriter.write(residual(), model);
        JsonNode report = run(model, "fold_batchnorm()\n"
                + "add_early_exits(after=[op(\"Add\")], calibration=calib, max_drop=0.5%, gating=per_sample)\n");
        double atOne = assertReportIsTheDeployedModel(report, false);
        assertThat(exitsStep(report).path("batch_size").asInt()).isGreaterThan(1);
        assertThat(writtenAccuracy(32)).isEqualTo(atOne);
    }
}
