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
 * {@code tune --objective latency} measures the families that change speed but not MACs — int8, early exits,
 * fp16 — each as a candidate (batch-1 latency paired against the original), and every one it does not use is
 * named in the report with why; the held-out ratio is the written model's paired speed-up.
 */
class TuneLatencyFamiliesIT {
    private static final Path DATA = Path.of("..", "examples", "data");

    @TempDir
    Path dir;

    @Test
    void int8ExitsAndFp16AreEachMeasuredAndTheUnusedOnesExplained() throws Exception {
        Path recipe = dir.resolve("lenet5.recipe");
        Path json = dir.resolve("tune.json");
        Path html = dir.resolve("tune.html");
        Main.Execution t = Main.execute("tune", SharedFiles.model("lenet5_fashion").toString(),
                "--data", DATA.resolve("t1k-images-idx3-ubyte.gz").toString(),
                "--labels", DATA.resolve("t1k-labels-idx1-ubyte.gz").toString(), "--scale", "1/255",
                "--budget", "2pt", "--objective", "latency", "--time", "300s",
                "--passes", "quantize_int8,add_early_exits,convert_fp16", "-o", recipe.toString(),
                "--report-json", json.toString(), "--report-html", html.toString());
        assertThat(t.err()).doesNotContain("Exception");
        assertThat(json).as(t.out() + t.err()).exists();
        JsonNode tune = new ObjectMapper().readTree(json.toFile());
        // the search ends by itself in seconds; the limit is only a bound, so reaching it is a failure, not a skip
        assertThat(tune.get("stopped_by_deadline").asBoolean()).as("stopped by --time 300s").isFalse();
        String all = tune.get("search").get("candidates").toString();
        assertThat(all).contains("quantize_int8(method=minmax").contains("add_early_exits(").contains("convert_fp16(");
        // what is neither in the recipe nor explained was not measured: every family is one or the other
        String text = Files.readString(recipe);
        List<String> notes = new ArrayList<>();
        tune.get("notes").fieldNames().forEachRemaining(notes::add);
        for (String family : List.of("quantize_int8(", "add_early_exits(", "convert_fp16(")) {
            boolean used = text.lines().anyMatch(l -> l.startsWith(family));
            boolean explained = notes.stream().anyMatch(k -> k.startsWith(family));
            assertThat(used || explained).as(family + " in\n" + text + "\n" + notes).isTrue();
        }
        String page = Files.readString(html);
        assertThat(notes).allSatisfy(k -> assertThat(page).contains(k));
        if (t.exitCode() == 0) {
            assertThat(tune.get("held_out").get("ratio").asDouble()).isGreaterThan(1);
        }
    }
}
