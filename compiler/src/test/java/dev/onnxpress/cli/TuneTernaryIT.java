package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ternary layers and per-layer int8 as size families of {@code onnxpress tune} (lenet300, the 1,000 bundled
 * test images): ternary layers are measured under the sharing quantizer before pruning; whichever of the two
 * families the answer does not use is named with why in the JSON report and the recipe, and a recipe that
 * uses ternary layers reproduces to the byte under {@code onnxpress run}.
 */
class TuneTernaryIT {
    private static final Path DATA = Path.of("..", "examples", "data");

    @TempDir
    Path dir;

    @Test
    void ternaryLayersAreMeasuredAndEitherUsedOrNamedWithWhy() throws Exception {
        Path recipe = dir.resolve("ternary.recipe");
        Path model = dir.resolve("ternary.onnx");
        Path json = dir.resolve("ternary.json");
        Main.Execution t = Main.execute("tune", SharedFiles.model("lenet300_fashion").toString(),
                "--data", DATA.resolve("t1k-images-idx3-ubyte.gz").toString(),
                "--labels", DATA.resolve("t1k-labels-idx1-ubyte.gz").toString(), "--scale", "1/255",
                "--budget", "2pt", "--objective", "size", "--time", "300s", "-o", recipe.toString(),
                "--passes", "share_weights,quantize_ternary,quantize_int8,pack_huffman",
                "--model-out", model.toString(), "--report-json", json.toString());
        assertThat(t.err()).doesNotContain("Exception");
        assertThat(t.exitCode()).as(t.out() + t.err()).isIn(0, 1);
        JsonNode tune = new ObjectMapper().readTree(json.toFile());
        // the search ends by itself well within 300 s; a stop by the deadline would hide an unmeasured family
        assertThat(tune.get("stopped_by_deadline").asBoolean()).as("stopped by --time").isFalse();
        List<String> labels = new ArrayList<>();
        tune.get("search").get("candidates").forEach(c -> labels.add(c.get("label").asText()));
        assertThat(labels).anyMatch(l -> l.startsWith("ternary "));
        String text = Files.readString(recipe);
        JsonNode notes = tune.get("notes");
        if (text.contains("quantize_ternary(")) {
            assertThat(text).contains("ternary weights {-α, 0, +α}");
        } else {
            assertThat(notes.get("quantize_ternary").asText()).contains("ternary:");
            assertThat(text).contains("# quantize_ternary: ");
        }
        if (!text.contains("quantize_int8(")) {
            assertThat(notes.has("quantize_int8 per layer")).isTrue();
        }
        Path again = dir.resolve("again.onnx");
        Main.Execution r = Main.execute("run", recipe.toString(), "-i", SharedFiles.model("lenet300_fashion").toString(),
                "-o", again.toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(t.exitCode());
        if (t.exitCode() == 0) {
            assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(model));
        }
    }
}
