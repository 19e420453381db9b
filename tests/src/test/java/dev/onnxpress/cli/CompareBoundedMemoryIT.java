package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.GraphBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare} reads both models' outputs block by block: two models whose outputs over the data are
 * 4× the JVM's heap (2 × 256 samples × 1 MB, under {@code -Xmx128m}) are compared, with the same figures as
 * a run that holds them in memory (the same command at a heap large enough, outputs not spilled).
 */
class CompareBoundedMemoryIT {
    private static final int WIDTH = 1 << 18;
    private static final int SAMPLES = 256;

    @TempDir
    Path dir;

    @Test
    void outputsLargerThanTheHeapAreComparedWithTheSameFiguresAsInMemory() throws Exception {
        Path a = dir.resolve("a.onnx");
        Path b = dir.resolve("b.onnx");
        Files.write(a, ModelWriter.toBytes(model(1f)));
        Files.write(b, ModelWriter.toBytes(model(1.001f)));
        List<String> args = List.of("compare", a.toString(), b.toString(), "--count", Integer.toString(SAMPLES),
                "--batch", "8", "--atol", "1e-3", "--rtol", "0", "--json");
        Result small = onnxpress(List.of("-Xmx128m"), args);
        assertThat(small.exit).as(small.out).isEqualTo(1);
        Result big = onnxpress(List.of("-Xmx2g", "-Donnxpress.spillBytes=" + (1L << 40)), args);
        assertThat(big.exit).as(big.out).isEqualTo(1);
        JsonNode s = new ObjectMapper().readTree(small.out);
        JsonNode l = new ObjectMapper().readTree(big.out);
        assertThat(s).isEqualTo(l);
        JsonNode y = s.get("outputs").get(0);
        assertThat(y.get("values").asLong()).isEqualTo((long) SAMPLES * WIDTH);
        // random inputs: about half are positive, and the larger of those differ by more than atol
        assertThat(y.get("outside").asLong()).isPositive().isLessThan((long) SAMPLES * WIDTH / 2);
        assertThat(y.get("cosine").asDouble()).isGreaterThan(0.999);
    }

    /** y = Relu(x · k), x of shape [N, 2^18]. */
    private static Model model(float k) {
        return GraphBuilder.model("wide").opset(13).input("x", DataType.FLOAT, "N", WIDTH)
                .initializer("k", Tensor.scalarFloat(k))
                .node("Mul", List.of("x", "k"), List.of("m"))
                .node("Relu", List.of("m"), List.of("y"))
                .output("y", DataType.FLOAT, "N", WIDTH).build();
    }

    private record Result(int exit, String out) {
    }

    private Result onnxpress(List<String> jvm, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        cmd.add("-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.onnxpress.cli.Main"));
        cmd.addAll(args);
        Path log = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(log.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("compare did not end within 5 minutes");
        }
        String out = Files.readString(log);
        assertThat(Files.readString(err)).as(out).doesNotContain("Exception", "OutOfMemory");
        return new Result(p.exitValue(), out);
    }
}
