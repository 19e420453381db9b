package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ort.OrtRunner;
import dev.onnxpress.runtime.OnnxpressRuntime;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code run} leaves on disk: the placement and extra files conversion passes ask for, written
 * atomically with ordinary permissions; and packed models (pack_huffman output) as pipeline input.
 */
class RunOutputsIT {
    @TempDir
    Path dir;

    static Path lenet() {
        return SharedFiles.model("lenet5_fashion");
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String permissions(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void externalDataAndOrtFileLandBesideTheOutputWithOrdinaryPermissions() throws Exception {
        Path outDir = Files.createDirectory(dir.resolve("out"));
        Path out = outDir.resolve("lenet.onnx");
        Path json = outDir.resolve("report.json");
        Path html = outDir.resolve("report.html");
        Main.Execution run = Main.execute("run", "-p", "externalize_data(min_bytes=1024), save_ort_format()",
                "-i", lenet().toString(), "-o", out.toString(), "--report-json", json.toString(),
                "--report-html", html.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // the model, its single data file, the .ort beside it, both reports: and no temporary file left
        assertThat(names(outDir)).containsExactly("lenet.onnx", "lenet.onnx.data", "lenet.ort", "report.html",
                "report.json");
        for (String name : names(outDir)) {
            assertThat(permissions(outDir.resolve(name))).as(name).isEqualTo("rw-r--r--");
        }
        // the weights went to external data: the model file is small, the data file holds them
        assertThat(Files.size(out)).isLessThan(10_000);
        assertThat(Files.size(outDir.resolve("lenet.onnx.data"))).isGreaterThan(4L * 430_000);
        Model written = ModelReader.read(out);
        assertThat(written.graph().initializers().values())
                .anyMatch(t -> t.externalLocation().isPresent());
        // both files load in ONNX Runtime (the .ort by path, the ONNX with its data resolved beside it)
        try (OrtRunner onnx = OrtRunner.open(out); OrtRunner ort = OrtRunner.open(outDir.resolve("lenet.ort"))) {
            assertThat(ort.inputs()).isEqualTo(onnx.inputs());
        }
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.at("/outcome/message").asText()).isEqualTo("also wrote " + outDir.resolve("lenet.ort"));
        // the output's size counts the external data too
        assertThat(report.at("/output/bytes").asLong())
                .isEqualTo(Files.size(out) + Files.size(outDir.resolve("lenet.onnx.data")));
        assertThat(run.out()).contains("also wrote");
    }

    @Test
    void internalizeDataBringsExternalWeightsBackIntoOneFile() throws Exception {
        Path external = dir.resolve("ext.onnx");
        assertThat(Main.execute("run", "-p", "externalize_data(min_bytes=1024)", "-i", lenet().toString(), "-o",
                external.toString(), "--latency-runs", "1").exitCode()).isZero();
        assertThat(dir.resolve("ext.onnx.data")).exists();
        // an input with external data is verified (inlined in memory) and written back as one file
        Path back = Files.createDirectory(dir.resolve("back")).resolve("in.onnx");
        Main.Execution run = Main.execute("run", "-p", "internalize_data()", "-i", external.toString(), "-o",
                back.toString(), "--latency-runs", "1", "--report-json", dir.resolve("back.json").toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(names(back.getParent())).containsExactly("in.onnx");
        assertThat(Files.size(back)).isGreaterThan(4L * 430_000);
        assertThat(permissions(back)).isEqualTo("rw-r--r--");
        // the input's size counts its external data, so a move between layouts reads as (near) no change
        long inputBytes = Files.size(external) + Files.size(dir.resolve("ext.onnx.data"));
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("back.json").toFile());
        assertThat(json.at("/input/bytes").asLong()).isEqualTo(inputBytes);
    }

    @Test
    void aPackedModelWorksAsInputThroughTheOnnxpressRuntime() throws Exception {
        Path packed = dir.resolve("packed.onnx");
        Main.Execution pack = Main.execute("run", "-p", "share_weights(bits=5, layers=all), pack_huffman()",
                "-i", lenet().toString(), "-o", packed.toString(), "--latency-runs", "1");
        assertThat(pack.exitCode()).as(pack.err()).isZero();
        assertThat(OnnxpressRuntime.isPacked(ModelReader.read(packed))).isTrue();

        // the reference outputs come from the decoded model; a lossless step on top keeps them exactly
        Path out = dir.resolve("again.onnx");
        Path json = dir.resolve("again.json");
        Main.Execution run = Main.execute("run", "-p", "strip_docs(), save_ort_format()", "-i", packed.toString(),
                "-o", out.toString(), "--report-json", json.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.at("/baseline/macs").asLong()).isEqualTo(2_293_000);
        for (JsonNode step : report.at("/steps")) {
            assertThat(step.at("/metrics/max_abs_error").asDouble()).isZero();
            assertThat(step.at("/macs").asLong()).isEqualTo(2_293_000);
        }
        // still packed; the .ort (which ORT must be able to run) holds the decoded weights
        assertThat(OnnxpressRuntime.isPacked(ModelReader.read(out))).isTrue();
        try (OrtRunner ort = OrtRunner.open(dir.resolve("again.ort"))) {
            assertThat(ort.inputs()).extracting(dev.onnxpress.ort.IoInfo::name).containsExactly("input");
        }

        // inspect counts the MACs of a packed model on its decoded weights
        Main.Execution inspect = Main.execute("inspect", packed.toString(), "--json");
        assertThat(inspect.exitCode()).as(inspect.err()).isZero();
        assertThat(new ObjectMapper().readTree(inspect.out()).get("macs").asLong()).isEqualTo(2_293_000);
    }

    @Test
    void symbolicInputDimsOfRandomProbesComeFromDims() throws Exception {
        // ppocr_cls_mobile_v2's input is [batch, 3, height, width] with all but the channels symbolic
        Path model = SharedFiles.model("ppocr_cls_mobile_v2");
        Path out = dir.resolve("cls.onnx");
        Main.Execution missing = Main.execute("run", "-p", "fold_batchnorm()", "-i", model.toString(), "-o",
                out.toString(), "--latency-runs", "1");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("has no fixed size for dimension 2; give one with --dims ");
        assertThat(out).doesNotExist();

        String h = "p2o.DynamicDimension.1"; // the names the model declares (shown in the message above)
        String w = "p2o.DynamicDimension.2";
        assertThat(missing.err()).contains("--dims " + h + "=N");
        Main.Execution run = Main.execute("run", "-p", "fold_batchnorm()", "-i", model.toString(), "-o",
                out.toString(), "--latency-runs", "1", "--dims", h + "=48," + w + "=192");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(ModelReader.read(out).graph().opHistogram()).doesNotContainKey("BatchNormalization");

        Main.Execution bad = Main.execute("run", "-p", "fold_batchnorm()", "-i", model.toString(), "-o",
                dir.resolve("x.onnx").toString(), "--dims", h + "=0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("a dimension size must be at least 1");
    }

    @Test
    void probesThatLeaveTheOutputFlatAreFedAsNormalisedImagesAndTheReportSaysWhich() throws Exception {
        // on [0, 1) probes ppocrv4_det's Sigmoid map is ~1e-7 everywhere, so every comparison passes whatever
        // a step did; the run feeds the probes as [-1, 1] and ImageNet-normalised images too and keeps the
        // normalisation whose outputs vary most
        Path out = dir.resolve("det.onnx");
        Path json = dir.resolve("det.json");
        Main.Execution run = Main.execute("run", "-p", "fold_batchnorm()", "-i",
                SharedFiles.model("ppocrv4_det").toString(), "-o", out.toString(), "--latency-runs", "1",
                "--dims", "p2o.DynamicDimension.1=160,p2o.DynamicDimension.2=160", "--report-json", json.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.get("data").asText()).contains("image inputs as ImageNet mean/std",
                "most output variance: [0, 1]");
        var checks = report.get("steps").get(0).get("checks");
        assertThat(checks.get(1).get("metric").asText()).isEqualTo("cosine");
        assertThat(checks.get(1).get("passed").asBoolean()).isTrue();
        assertThat(ModelReader.read(out).graph().opHistogram()).doesNotContainKey("BatchNormalization");
    }

    @Test
    void aRecipeThatSizesItsRandomDataNeedsNoDimsFlagAndStaticModelsNeedNoDims() throws Exception {
        Path recipe = dir.resolve("cls.recipe");
        Files.writeString(recipe, """
                recipe "cls" version 1
                data cal = random(count=2, seed=1, dims=["p2o.DynamicDimension.1=48", "p2o.DynamicDimension.2=192"])
                fold_batchnorm()
                prune_magnitude(sparsity=20%, compensate=true, calibration=cal) tolerance { cosine >= 0.9 }
                """);
        Path out = dir.resolve("cls.onnx");
        Main.Execution run = Main.execute("run", recipe.toString(), "-i",
                SharedFiles.model("ppocr_cls_mobile_v2").toString(), "-o", out.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(out).exists();

        Path plain = dir.resolve("lenet.recipe");
        Files.writeString(plain, """
                recipe "lenet" version 1
                data cal = random(count=2)
                prune_magnitude(sparsity=20%, compensate=true, calibration=cal) tolerance { cosine >= 0.9 }
                """);
        Main.Execution lenet = Main.execute("run", plain.toString(), "-i", lenet().toString(), "-o",
                dir.resolve("l.onnx").toString(), "--latency-runs", "1");
        assertThat(lenet.exitCode()).as(lenet.err()).isZero();
    }

    @Test
    void fixShapesWithoutItsOwnDimsTakesTheRunsDims() throws Exception {
        Path out = dir.resolve("cls-static.onnx");
        Main.Execution run = Main.execute("run", "-p", "fix_shapes()", "-i",
                SharedFiles.model("ppocr_cls_mobile_v2").toString(), "-o", out.toString(), "--latency-runs", "1",
                "--dims", "p2o.DynamicDimension.0=1,p2o.DynamicDimension.1=48,p2o.DynamicDimension.2=192");
        assertThat(run.exitCode()).as(run.err()).isZero();
        Model m = ModelReader.read(out);
        assertThat(m.graph().realInputs().get(0).tensorType().orElseThrow().toString()).contains("1", "3", "48", "192")
                .doesNotContain("DynamicDimension");
    }
}
