package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code onnxpress tune} end to end on lenet300 with the 1,000 bundled test images and a short time limit:
 * the recipe is written, {@code onnxpress run} on it gives the held-out figure tune reported and the same
 * model bytes, the HTML report exists; a budget nothing meets ends with exit 1 and a recipe marked over budget.
 */
class TuneCommandIT {
    private static final Path DATA = Path.of("..", "examples", "data");

    @TempDir
    Path dir;

    private String[] args(String budget, String time, String passes, Path recipe, String... more) {
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("tune",
                SharedFiles.model("lenet300_fashion").toString(),
                "--data", DATA.resolve("t1k-images-idx3-ubyte.gz").toString(),
                "--labels", DATA.resolve("t1k-labels-idx1-ubyte.gz").toString(), "--scale", "1/255",
                "--budget", budget, "--objective", "size", "--time", time, "-o", recipe.toString()));
        if (passes != null) {
            a.add("--passes");
            a.add(passes);
        }
        a.addAll(java.util.List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void writesARecipeThatRunReproducesToTheByte() throws Exception {
        Path recipe = dir.resolve("lenet300.recipe");
        Path model = dir.resolve("tuned.onnx");
        Path html = dir.resolve("tune.html");
        Path json = dir.resolve("tune.json");
        Main.Execution t = Main.execute(args("2pt", "35s", "prune_magnitude,pack_huffman,strip_docs",
                recipe, "--model-out", model.toString(), "--report-html", html.toString(), "--report-json", json.toString()));
        assertThat(t.err()).doesNotContain("Exception");
        assertThat(t.exitCode()).as(t.out() + t.err()).isIn(0, 1);
        String text = Files.readString(recipe);
        assertThat(text).contains("data heldout = idx(").contains("skip=600, count=400").contains("verify using heldout")
                .contains("tolerance { accuracy max_drop 2% }").contains("# ");
        assertThat(html).exists();
        assertThat(Files.readString(html)).contains("<svg").contains("Pareto").doesNotContain("http://cdn");
        JsonNode tune = new ObjectMapper().readTree(json.toFile());
        JsonNode held = tune.get("held_out");
        assertThat(held.get("within_budget").asBoolean()).isEqualTo(t.exitCode() == 0);
        assertThat(tune.get("search").get("candidates").size()).isGreaterThan(1);

        Path again = dir.resolve("again.onnx");
        Path report = dir.resolve("run.json");
        Main.Execution r = Main.execute("run", recipe.toString(), "-i", SharedFiles.model("lenet300_fashion").toString(),
                "-o", again.toString(), "--report-json", report.toString());
        assertThat(r.exitCode()).isEqualTo(t.exitCode());
        JsonNode run = new ObjectMapper().readTree(report.toFile());
        JsonNode steps = run.get("steps");
        JsonNode last = steps.get(steps.size() - 1);
        assertThat(last.get("metrics").get("accuracy").asDouble())
                .isEqualTo(held.get("tuned").get("accuracy").asDouble());
        assertThat(run.get("baseline").get("accuracy").asDouble())
                .isEqualTo(held.get("original").get("accuracy").asDouble());
        if (t.exitCode() == 0) {
            assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(model));
            // how far the search gets in 35 s depends on the machine; the ratio reported is the file's
            long input = Files.size(SharedFiles.model("lenet300_fashion"));
            assertThat(Files.size(model)).isLessThan(input);
            assertThat(held.get("ratio").asDouble()).isCloseTo((double) input / Files.size(model),
                    org.assertj.core.data.Offset.offset(1e-6));
        } else {
            assertThat(text).contains("OVER BUDGET");
        }
    }

    @Test
    void sharingWidthsAreSearchedPerLayerJointlyAndTheRecipeStillReproducesToTheByte() throws Exception {
        Path recipe = dir.resolve("widths.recipe");
        Path model = dir.resolve("widths.onnx");
        Path json = dir.resolve("widths.json");
        Main.Execution t = Main.execute(args("2pt", "45s", "share_weights,pack_huffman", recipe,
                "--model-out", model.toString(), "--report-json", json.toString()));
        assertThat(t.err()).doesNotContain("Exception");
        assertThat(t.exitCode()).as(t.out() + t.err()).isIn(0, 1);
        JsonNode tune = new ObjectMapper().readTree(json.toFile());
        // after the quantizers alone, the joint search tried one bit less on single layers, each composed
        // with the rest and measured as a whole (unless a loaded machine let the time run out before it)
        java.util.List<String> labels = new java.util.ArrayList<>();
        tune.get("search").get("candidates").forEach(c -> labels.add(c.get("label").asText()));
        if (!tune.get("stopped_by_deadline").asBoolean()) {
            assertThat(labels).anyMatch(l -> l.matches("joint /fc[12]/Gemm at 3 bits"));
        }
        String text = Files.readString(recipe);
        // lossy steps before the last carry their own floor; the budget is the last step's tolerance, once
        assertThat(text).contains("tolerance { accuracy max_drop 2% }");
        assertThat(text.split("tolerance \\{ accuracy", -1)).hasSize(2);
        Path again = dir.resolve("again.onnx");
        Main.Execution r = Main.execute("run", recipe.toString(), "-i", SharedFiles.model("lenet300_fashion").toString(),
                "-o", again.toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(t.exitCode());
        if (t.exitCode() == 0) {
            assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(model));
            if (text.contains("a width of its own")) {
                assertThat(text).containsPattern("share_weights\\(bits=[23], layers=name\\(\"/fc[12]/Gemm\"\\)");
            }
        }
    }

    @Test
    void aBudgetNothingMeetsEndsWithExitOneAndTheClosestRecipeMarkedOverBudget() throws Exception {
        Path recipe = dir.resolve("impossible.recipe");
        Path model = dir.resolve("none.onnx");
        Main.Execution t = Main.execute(args("0.9999999cos", "20s", "prune_magnitude", recipe,
                "--model-out", model.toString()));
        assertThat(t.exitCode()).as(t.out() + t.err()).isEqualTo(1);
        assertThat(t.out()).contains("OVER BUDGET");
        assertThat(Files.readString(recipe)).contains("OVER BUDGET").contains("prune_magnitude(")
                .contains("tolerance { cosine >= 0.9999999 }");
        assertThat(model).doesNotExist();
    }

    @Test
    void badArgumentsAreOneLineUserErrors() {
        Path recipe = dir.resolve("x.recipe");
        Main.Execution noLabels = Main.execute("tune", SharedFiles.model("lenet300_fashion").toString(), "--data",
                DATA.resolve("t1k-images-idx3-ubyte.gz").toString(), "--budget", "1pt", "--objective", "size",
                "-o", recipe.toString());
        assertThat(noLabels.exitCode()).isEqualTo(2);
        assertThat(noLabels.err().strip()).contains("needs --labels").doesNotContain("\n");
        Main.Execution badFamily = Main.execute(args("1pt", "10s", "prune_everything", recipe));
        assertThat(badFamily.exitCode()).isEqualTo(2);
        assertThat(badFamily.err()).contains("--passes prune_everything: not a family");
        assertThat(recipe).doesNotExist();
    }
}
