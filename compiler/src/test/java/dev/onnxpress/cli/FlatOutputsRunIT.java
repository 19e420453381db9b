package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.ModelWriter;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.GraphBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run verified on outputs that are ~0 everywhere says so, with a warning naming the output. */
class FlatOutputsRunIT {
    @TempDir
    Path dir;

    @Test
    void aSaturatedOutputGivesEveryVerifiedStepAWarningNamingIt() throws Exception {
        // Sigmoid(x · 0.1 − 30): about 1e-13 everywhere on probes in [0, 1); 'logits' moves normally
        Model m = GraphBuilder.model("g")
                .input("x", DataType.FLOAT, 2, 8)
                .initializer("k", Tensor.ofFloats(new long[] {1}, 0.1f))
                .initializer("shift", Tensor.ofFloats(new long[] {1}, -30f))
                .node("Identity", List.of("x"), List.of("xi"))
                .node("Mul", List.of("xi", "k"), List.of("logits"))
                .node("Add", List.of("logits", "shift"), List.of("z"))
                .node("Sigmoid", List.of("z"), List.of("p"))
                .output("p", DataType.FLOAT, 2, 8)
                .output("logits", DataType.FLOAT, 2, 8).build();
        Path in = dir.resolve("flat.onnx");
        ModelWriter.write(m, in);
        Path json = dir.resolve("r.json");
        Main.Execution run = Main.execute("run", "-p", "remove_identity()", "-i", in.toString(), "-o",
                dir.resolve("out.onnx").toString(), "--report-json", json.toString(), "--latency-runs", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode step = new ObjectMapper().readTree(json.toFile()).at("/steps/0");
        assertThat(step.at("/changed").asBoolean()).isTrue();
        assertThat(step.at("/verdict").asText()).isEqualTo("warning");
        assertThat(step.at("/warnings")).hasSize(1);
        assertThat(step.at("/warnings/0").asText()).contains("output 'p'", "(near-)zero", "real data");
        assertThat(run.out()).contains("warnings:", "output 'p'");
    }
}
