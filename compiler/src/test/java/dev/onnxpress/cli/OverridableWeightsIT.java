package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ir.Value;
import dev.onnxpress.testing.GraphBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Initializers also listed as graph inputs (overridable defaults) are weights unless the run says otherwise. */
class OverridableWeightsIT {
    @TempDir
    Path dir;

    static Path model(Path dir) {
        float[] w = new float[32 * 16];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 0.61) * 0.3f;
        }
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 2, 32)
                .initializerInput("w", Tensor.ofFloats(new long[] {32, 16}, w))
                .node("MatMul", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 16).build();
        Path p = dir.resolve("overridable.onnx");
        ModelWriter.write(m, p);
        return p;
    }

    static List<String> inputs(Path p) {
        return ModelReader.read(p).graph().inputs().stream().map(Value::name).toList();
    }

    @Test
    void weightPassesActOnThemAndTheOutputNoLongerListsThem() throws Exception {
        Path in = model(dir);
        assertThat(inputs(in)).containsExactly("x", "w");
        Path out = dir.resolve("out.onnx");
        Path json = dir.resolve("r.json");
        Main.Execution run = Main.execute("run", "-p", "share_weights(bits=6, layers=all)", "-i", in.toString(),
                "-o", out.toString(), "--report-json", json.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(inputs(out)).containsExactly("x");
        JsonNode step = new ObjectMapper().readTree(json.toFile()).at("/steps/0");
        assertThat(step.at("/changed").asBoolean()).isTrue();
        assertThat(step.at("/statistics/layers_shared").asLong()).isEqualTo(1);
        assertThat(step.at("/verdict").asText()).isEqualTo("ok");
        assertThat(step.at("/notes/0").asText()).contains("1 initializer was also listed as graph inputs", "'w'",
                "--keep-overridable-weights");
        assertThat(run.out()).contains("notes:", "treated as weights");
    }

    @Test
    void keepOverridableWeightsKeepsTodaysBehaviourAndTheIdleStepIsAWarning() throws Exception {
        Path in = model(dir);
        Path out = dir.resolve("out.onnx");
        Path json = dir.resolve("r.json");
        Main.Execution run = Main.execute("run", "-p", "share_weights(bits=6, layers=all)", "-i", in.toString(),
                "-o", out.toString(), "--report-json", json.toString(), "--latency-runs", "1",
                "--keep-overridable-weights");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(inputs(out)).containsExactly("x", "w");
        JsonNode step = new ObjectMapper().readTree(json.toFile()).at("/steps/0");
        assertThat(step.at("/changed").asBoolean()).isFalse();
        assertThat(step.at("/verdict").asText()).isEqualTo("warning");
        assertThat(step.at("/warnings/0").asText()).contains("share_weights changed nothing");
        assertThat(run.out()).contains("warnings:");
    }
}
