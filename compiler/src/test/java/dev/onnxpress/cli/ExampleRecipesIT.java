package dev.onnxpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example recipe in examples/ binds, and runs to the end on the bundled model. To keep the suite
 * fast, the runs verify on the first 200 test images (the recipes as shipped use all 1,000); the recipes
 * are otherwise run exactly as written. The two whose compensated pruning takes about a minute on this
 * model ({@link #SLOW}) are only bound here; README's figures come from running them in full.
 */
class ExampleRecipesIT {
    private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
    private static final Path MODEL = EXAMPLES.resolve("lenet5_fashion/model.onnx");
    static final java.util.Set<String> SLOW = java.util.Set.of("lenet5-fashion.recipe", "deep-compression.recipe");

    static List<Path> recipes() throws IOException {
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            return s.filter(p -> p.toString().endsWith(".recipe")).sorted().toList();
        }
    }

    @Test
    void everyRecipeIsListedInTheExamplesReadme() throws IOException {
        String readme = Files.readString(EXAMPLES.resolve("README.md"));
        assertThat(recipes()).hasSizeGreaterThanOrEqualTo(7);
        for (Path r : recipes()) {
            assertThat(readme).as("examples/README.md lists %s", r.getFileName()).contains(r.getFileName().toString());
        }
        try (Stream<Path> data = Files.list(EXAMPLES.resolve("data"))) {
            data.forEach(d -> assertThat(readme).as("examples/README.md lists %s", d.getFileName())
                    .contains(d.getFileName().toString()));
        }
    }

    @ParameterizedTest
    @MethodSource("recipes")
    void runsOnTheBundledModel(Path recipe, @TempDir Path dir) throws IOException {
        assertThat(Main.execute("check", recipe.toString()).exitCode()).isZero();
        String text = Files.readString(recipe)
                .replace("\"data/", "\"" + EXAMPLES.resolve("data") + "/")
                .replace("t1k-labels-idx1-ubyte.gz\", scale=1/255)", "t1k-labels-idx1-ubyte.gz\", scale=1/255, count=200)");
        if (SLOW.contains(recipe.getFileName().toString())) {
            return;
        }
        assertThat(text).contains("count=");
        Path small = dir.resolve(recipe.getFileName());
        Files.writeString(small, text);
        Path out = dir.resolve("out.onnx");
        Main.Execution e = Main.execute("run", small.toString(), "-i", MODEL.toString(), "-o", out.toString(),
                "--latency", "off");
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(out).isRegularFile();
        assertThat(e.out()).contains("OK: ");
    }
}
