package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as users call it: the runnable jar in a fresh JVM ({@code java -jar onnxpress.jar …}),
 * on the bundled example (no ../shared needed): help and version, data on the one-liner, eval and compare.
 */
class JarCliIT {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final Path JAR = ROOT.resolve("compiler/target/onnxpress.jar");
    static final Path EXAMPLES = ROOT.resolve("examples");
    static final Path MODEL = EXAMPLES.resolve("lenet5_fashion/model.onnx");
    static final String IMAGES = EXAMPLES.resolve("data/t1k-images-idx3-ubyte.gz").toString();
    static final String LABELS = EXAMPLES.resolve("data/t1k-labels-idx1-ubyte.gz").toString();

    record Result(int code, String out, String err) {
    }

    @BeforeAll
    static void jarExists() {
        assertThat(JAR).as("the runnable jar; build it in the same reactor: mvn -pl tests -am verify").isRegularFile();
    }

    static Result onnxpress(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Donnxruntime.native.path=" + System.getProperty("onnxruntime.native.path", ""),
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("onnxpress %s finished", List.of(args)).isTrue();
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void helpAndVersionReadWhole(@TempDir Path dir) throws Exception {
        Result help = onnxpress(dir, "help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("compare", "eval", "help", "version", "unpack", "sensitivity")
                .contains("type, file size, opsets, inputs and outputs, and the")
                .doesNotContain("opsets,\n");
        Result run = onnxpress(dir, "help", "run");
        assertThat(run.out()).contains("dry run").contains("--data=NAME=SPEC").contains("--latency=MODE");
        Result version = onnxpress(dir, "version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).startsWith("onnxpress 0.");
        Result typo = onnxpress(dir, "versoin");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err().lines()).hasSize(1);
        assertThat(typo.err()).contains("did you mean version");
        Result missing = onnxpress(dir, "run", "-p", "strip_docs");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().lines()).hasSize(1);
        assertThat(missing.err()).contains("--input").contains("onnxpress help run");
        // --scale takes what a recipe takes: the error is about the model, not about 1/255
        Result scale = onnxpress(dir, "sensitivity", "absent.onnx", "--data", IMAGES, "--scale", "1/255");
        assertThat(scale.code()).isEqualTo(2);
        assertThat(scale.err()).contains("absent.onnx").doesNotContain("scale");
    }

    @Test
    void dataOnTheOneLiner(@TempDir Path dir) throws Exception {
        Result inline = onnxpress(dir, "run", "-p", "quantize_int8(calibration=random(count=8))", "-i",
                MODEL.toString());
        assertThat(inline.code()).isEqualTo(2);
        assertThat(inline.err().lines()).hasSize(1);
        assertThat(inline.err()).contains("-p 'quantize_int8(calibration=calibration)'")
                .contains("--data calibration='random(count=8)'");
        Path report = dir.resolve("r.json");
        Result ok = onnxpress(dir, "run", "-p", "quantize_int8(calibration=calib)", "-i", MODEL.toString(),
                "--data", "calib=random:8", "--data", "test=idx:" + IMAGES + ",scale=1/255,count=200",
                "--verify-data", "test", "--labels", LABELS, "--latency", "off", "--report-json", report.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertThat(r.get("data").asText()).contains("test").contains("200 samples").contains("labelled");
        assertThat(r.get("baseline").get("accuracy").asDouble()).isBetween(0.8, 1.0);
        assertThat(r.get("steps").get(0).get("pass").asText()).isEqualTo("quantize_int8");
        Result unknown = onnxpress(dir, "run", "-p", "quantize_int8(calibration=calib)", "-i", MODEL.toString());
        assertThat(unknown.err()).contains("--data calib=SPEC");
    }

    @Test
    void evalAndCompare(@TempDir Path dir) throws Exception {
        Result eval = onnxpress(dir, "eval", MODEL.toString(), "--data", IMAGES, "--scale", "1/255", "--labels",
                LABELS, "--json", "--latency", "quick");
        assertThat(eval.code()).as(eval.err()).isZero();
        JsonNode e = new ObjectMapper().readTree(eval.out());
        // the README's figure for the bundled model on the bundled 1,000 test images
        assertThat(e.get("accuracy").asDouble()).isEqualTo(0.902);
        assertThat(e.get("latency").get("median_ms").asDouble()).isPositive();

        Result same = onnxpress(dir, "compare", MODEL.toString(), MODEL.toString(), "--json");
        assertThat(same.code()).isZero();
        JsonNode s = new ObjectMapper().readTree(same.out());
        assertThat(s.get("passed").asBoolean()).isTrue();
        assertThat(s.get("outputs").get(0).get("max_abs").asDouble()).isZero();

        Path q = dir.resolve("q.onnx");
        assertThat(onnxpress(dir, "run", "-p", "quantize_int8(calibration=c)", "-i", MODEL.toString(), "-o",
                q.toString(), "--data", "c=random:8", "--latency", "off").code()).isZero();
        Result differ = onnxpress(dir, "compare", MODEL.toString(), q.toString(), "--data", IMAGES, "--scale",
                "1/255", "--count", "100", "--labels", LABELS);
        assertThat(differ.code()).as(differ.err()).isEqualTo(1);
        assertThat(differ.out()).contains("logits").contains("max_abs").contains("FAIL: ")
                .contains("accuracy  A ");
        Result loose = onnxpress(dir, "compare", MODEL.toString(), q.toString(), "--atol", "100", "--json");
        assertThat(loose.code()).isZero();
    }
}
