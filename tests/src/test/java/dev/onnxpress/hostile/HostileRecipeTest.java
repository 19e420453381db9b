package dev.onnxpress.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recipes built to break the reader: nesting 10,000 deep (repeat, try lists, parentheses), selectors of
 * 10,000 operators, pipelines using pipelines, huge files, names and declaration counts, bytes that are not
 * UTF-8. {@code check} must answer each with exit 2 and one line naming the limit and the place, never
 * "internal error: stack overflow", and quickly.
 */
class HostileRecipeTest {
    private static final String HEAD = "recipe \"r\" version 1\n";

    record Case(String name, byte[] recipe, String[] expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Arguments of(String name, String text, String... expected) {
        return of(name, text.getBytes(StandardCharsets.UTF_8), expected);
    }

    private static Arguments of(String name, byte[] bytes, String... expected) {
        return Arguments.of(new Case(name, bytes, expected));
    }

    static Stream<Arguments> cases() {
        int deep = 10_000;
        String selector = "prune_magnitude(layers = Conv" + " + Gemm".repeat(deep) + ")\n";
        StringBuilder pipelines = new StringBuilder(HEAD);
        for (int i = 0; i < 60; i++) {
            pipelines.append("pipeline p").append(i).append(" { p").append(i + 1).append("() }\n");
        }
        pipelines.append("pipeline p60 { remove_identity() }\np0()\n");
        StringBuilder data = new StringBuilder(HEAD);
        for (int i = 0; i <= 1000; i++) {
            data.append("data d").append(i).append(" = random(count=1)\n");
        }
        data.append("remove_identity()\n");
        byte[] latin1 = (HEAD + "# caf\u00e9 au lait\nremove_identity()\n").getBytes(StandardCharsets.ISO_8859_1);
        return Stream.of(
                of("repeat nested 10,000 deep", HEAD + "repeat max 2 { ".repeat(deep) + "remove_identity()"
                        + " }".repeat(deep), "r.recipe:2:", "nesting deeper than 50"),
                of("list nested 10,000 deep", HEAD + "try s in " + "[".repeat(deep) + "1" + "]".repeat(deep)
                        + " { prune_magnitude(sparsity=s) }", "r.recipe:2:", "nesting deeper than 50"),
                of("parentheses nested 10,000 deep", HEAD + "prune_magnitude(layers = " + "(".repeat(deep) + "Conv"
                        + ")".repeat(deep) + ")", "r.recipe:2:", "nesting deeper than 50"),
                of("selector of 10,000 operators", HEAD + selector, "r.recipe:2:", "more than 200 set operators"),
                of("pipelines 60 deep", pipelines.toString(), "r.recipe:", "more than 50 deep", "p0"),
                of("1,001 data declarations", data.toString(), "r.recipe:1002:", "more than 1000 data declarations"),
                of("a 2 MB recipe", HEAD + "# " + "x".repeat(2_000_000) + "\nremove_identity()\n",
                        "2,000,", "the limit is 1,000,000"),
                of("a 100,000-character name", HEAD + "a".repeat(100_000) + "()\n", "r.recipe:2:1",
                        "a name of 100,000 characters; the limit is 4096"),
                of("repeat max 1,000,000", HEAD + "repeat max 1000000 { prune_magnitude(sparsity=10%) }\n",
                        "r.recipe:2:1", "repeat max 1000000 is more than the limit of 100"),
                of("latin-1 bytes", latin1, "r.recipe", "not UTF-8", "byte offset " + (HEAD.length() + 5),
                        "line 2", "0xE9"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void checkRefusesWithOneLineNamingTheLimit(Case c, @TempDir Path dir) throws IOException {
        Path recipe = Files.write(dir.resolve("r.recipe"), c.recipe());
        long t0 = System.nanoTime();
        Main.Execution e = Main.execute("check", recipe.toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(e.exitCode()).as(c.name() + ": " + e.err()).isEqualTo(2);
        assertThat(e.err().lines()).as(c.name()).hasSize(1);
        assertThat(e.err()).startsWith("onnxpress: ").doesNotContain("internal error", "Exception", "stack overflow");
        for (String fact : c.expected()) {
            assertThat(e.err()).as(c.name()).contains(fact);
        }
        assertThat(e.err().length()).as("message length").isLessThan(1000);
        assertThat(seconds).as(c.name() + ": seconds").isLessThan(5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theOneLineFormRefusesToo(Case c) {
        String text = new String(c.recipe(), StandardCharsets.UTF_8);
        if (!text.startsWith(HEAD) || c.name().contains("latin") || c.name().contains("data")) {
            return; // -p takes steps only: no header, no data declarations, no bytes
        }
        Main.Execution e = Main.execute("run", "-p", text.substring(HEAD.length()), "-i", "absent.onnx");
        assertThat(e.exitCode()).as(c.name() + ": " + e.err()).isEqualTo(2);
        assertThat(e.err().lines()).as(c.name()).hasSize(1);
        assertThat(e.err()).doesNotContain("internal error", "Exception", "stack overflow");
    }

    @org.junit.jupiter.api.Test
    void aThousandDataDeclarationsCheckQuickly(@TempDir Path dir) throws IOException {
        StringBuilder data = new StringBuilder(HEAD);
        for (int i = 0; i < 1000; i++) {
            data.append("data d").append(i).append(" = random(count=1)\n");
        }
        data.append("verify using d999 { cosine >= 0.9 }\nremove_identity()\n");
        Path recipe = Files.writeString(dir.resolve("r.recipe"), data);
        long t0 = System.nanoTime();
        Main.Execution e = Main.execute("check", recipe.toString());
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
    }
}
