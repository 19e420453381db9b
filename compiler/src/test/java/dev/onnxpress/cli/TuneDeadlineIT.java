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
 * {@code --time} is the time limit of the whole command: a search that would run far longer (lenet5's search
 * for a smaller model over every size family: many minutes of evaluations; the MACs search alone now ends by
 * itself in some 17 s, too close to the limit to prove anything) ends within the limit plus a tenth, with the final verification included, and still
 * writes the best recipe it verified (or, when not one candidate fitted, says so and writes nothing). The slack beyond the tenth is a few seconds for what runs before the
 * clock starts (reading the options); the command runs in this JVM, so no JVM start is counted.
 */
class TuneDeadlineIT {
    private static final Path DATA = Path.of("..", "examples", "data");
    private static final int LIMIT_SECONDS = 20;

    @TempDir
    Path dir;

    @Test
    void theWholeCommandEndsWithinTheTimeLimitAndWritesTheBestRecipeSoFar() throws Exception {
        Path recipe = dir.resolve("lenet5.recipe");
        Path json = dir.resolve("tune.json");
        long t0 = System.nanoTime();
        Main.Execution t = Main.execute("tune", SharedFiles.model("lenet5_fashion").toString(),
                "--data", DATA.resolve("t1k-images-idx3-ubyte.gz").toString(),
                "--labels", DATA.resolve("t1k-labels-idx1-ubyte.gz").toString(), "--scale", "1/255",
                "--budget", "1pt", "--objective", "size", "--time", LIMIT_SECONDS + "s", "-o", recipe.toString(),
                "--report-json", json.toString());
        double wall = (System.nanoTime() - t0) / 1e9;
        assertThat(t.err()).doesNotContain("Exception");
        assertThat(wall).as(t.out() + t.err()).isLessThanOrEqualTo(1.1 * LIMIT_SECONDS + 3);
        if (t.exitCode() == 2) {
            // a machine so busy that not one candidate fitted: said so, nothing half-written
            assertThat(t.err()).contains("no candidate could be measured within --time");
            assertThat(recipe).doesNotExist();
            return;
        }
        JsonNode tune = new ObjectMapper().readTree(json.toFile());
        // the size search takes minutes: the limit, not the search, ended it
        assertThat(tune.get("stopped_by_deadline").asBoolean()).isTrue();
        assertThat(tune.get("wall_seconds").asDouble()).isLessThanOrEqualTo(1.1 * LIMIT_SECONDS);
        assertThat(Files.readString(recipe)).contains("stopped at the --time limit");
        if (t.exitCode() == 0) {
            assertThat(Files.readString(recipe)).containsPattern("(?m)^[a-z_0-9]+\\(");
        } else {
            assertThat(t.exitCode()).as(t.out() + t.err()).isEqualTo(1);
            assertThat(Files.readString(recipe)).contains("OVER BUDGET");
        }
    }
}
