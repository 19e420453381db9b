package dev.onnxpress.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Broken recipes and the exact one-line message each must produce. */
class RecipeErrorsTest {

    private static final String H = "recipe \"x\" version 1\n";

    static Stream<Arguments> brokenRecipes() {
        return Stream.of(
                // the header
                arguments("", "recipe.txt:1:1: the recipe must start with 'recipe \"name\" version N'"),
                arguments("# only a comment\n", "recipe.txt:2:1: the recipe must start with 'recipe \"name\" version N'"),
                arguments("strip_training_nodes()\n", "recipe.txt:1:1: the recipe must start with 'recipe \"name\" version N'"),
                arguments("recipe x version 1", "recipe.txt:1:8: expected the recipe name in double quotes after 'recipe' but found 'x'"),
                arguments("recipe \"x\" versoin 1", "recipe.txt:1:12: expected 'version' after the recipe name but found 'versoin'"),
                arguments("recipe \"x\"\nfoo()", "recipe.txt:2:1: expected 'version' after the recipe name but found 'foo'"),
                arguments("recipe \"x\" version\n", "recipe.txt:2:1: expected a version number after 'version' but found end of input"),
                arguments("recipe \"x\" version 1.5", "recipe.txt:1:20: expected a whole number after 'version' but found '1.5'"),
                // arguments and values
                arguments(H + "\nquantize(x=1 calib)", "recipe.txt:3:14: expected ')' or ',' after argument but found 'calib'"),
                arguments(H + "foo(a=)", "recipe.txt:2:7: expected a value after '=' but found ')'"),
                arguments(H + "foo(a=\"abc)", "recipe.txt:2:7: unterminated string"),
                arguments(H + "foo(a=\"abc\nb\")", "recipe.txt:2:7: unterminated string"),
                arguments(H + "foo(=1)", "recipe.txt:2:5: expected an argument or ')' after '(' but found '='"),
                arguments(H + "foo(a=1,)", "recipe.txt:2:9: expected an argument after ',' but found ')'"),
                arguments(H + "foo(a=1", "recipe.txt:2:8: expected ')' or ',' after argument but found end of input"),
                arguments(H + "foo(3=1)", "recipe.txt:2:5: expected a parameter name before '=' but found '3'"),
                arguments(H + "foo(a=b c=d)", "recipe.txt:2:9: expected ')' or ',' after argument but found 'c'"),
                arguments(H + "foo(a=-x)", "recipe.txt:2:8: expected a number or a percentage after '-' but found 'x'"),
                arguments(H + "foo(a=1 / x)", "recipe.txt:2:11: expected a number or '-' after '/' but found 'x'"),
                arguments(H + "foo(a=1/0)", "recipe.txt:2:7: division by zero in '1/0'"),
                arguments(H + "foo(a=\"x\\q\")", "recipe.txt:2:9: unknown escape '\\q' in string; use \\\" \\\\ \\n \\t or \\r"),
                arguments(H + "foo(a=1) $", "recipe.txt:2:10: unexpected character '$'"),
                arguments(H + "foo(a=[1, 2)", "recipe.txt:2:12: expected ']' or ',' after list item but found ')'"),
                // selectors
                arguments(H + "foo(a=op(Conv))", "recipe.txt:2:10: expected a quoted pattern like \"Conv\" after 'op(' but found 'Conv'"),
                arguments(H + "foo(a=op(\"Conv\") +)", "recipe.txt:2:19: expected a selector after '+' but found ')'"),
                arguments(H + "foo(a=opp(\"Conv\"))", "recipe.txt:2:7: unknown selector 'opp'; a selector is all, op(\"…\") or name(\"…\")"),
                // checks
                arguments(H + "foo() tolerence { cosine >= 1 }", "recipe.txt:2:17: unexpected '{' after 'tolerence' (did you mean 'tolerance'?);"
                        + " a block follows 'pipeline NAME', 'repeat max N', 'try X in [...]', 'verify' or 'tolerance'"),
                arguments(H + "foo() tolerance cosine >= 1", "recipe.txt:2:17: expected '{' after 'tolerance' but found 'cosine'"),
                arguments(H + "foo() tolerance { cosine 1 }", "recipe.txt:2:26: expected a comparison (<=, >=, <, >) or 'max_drop' after 'cosine' but found '1'"),
                arguments(H + "foo() tolerance { cosine >= }", "recipe.txt:2:29: expected a number after '>=' but found '}'"),
                arguments(H + "foo() tolerance { cosine vs prev >= 1 }", "recipe.txt:2:29: expected 'original' or 'previous' after 'vs' but found 'prev'"),
                arguments(H + "foo() tolerance { cosine max_drop 1% }", "recipe.txt:2:19: 'max_drop' applies only to accuracy, as in 'accuracy max_drop 1%'; found 'cosine'"),
                arguments(H + "foo() tolerance { cosine >= 1 2 }", "recipe.txt:2:31: expected a check like 'cosine >= 0.999' or '}' but found '2'"),
                arguments(H + "verify { accuracy vs previous max_drop 1% vs original }", "recipe.txt:2:43: 'vs' is given twice for 'accuracy'"),
                arguments(H + "verify using { cosine >= 1 }", "recipe.txt:2:14: expected a data set name after 'using' but found '{'"),
                arguments(H + "verify using test accuracy max_drop 1%", "recipe.txt:2:19: expected '{' or 'on' after 'test' but found 'accuracy'"),
                arguments(H + "verify { cosine >= 1 }\nverify { cosine >= 1 }", "recipe.txt:3:1: only one verify block is allowed; the first is at line 2"),
                // blocks
                arguments(H + "repeat 3 { foo() }", "recipe.txt:2:8: expected 'max' after 'repeat' but found '3'"),
                arguments(H + "repeat max 0 { foo() }", "recipe.txt:2:12: expected a whole number of at least 1 after 'max' but found '0'"),
                arguments(H + "repeat max 3 { foo() ", "recipe.txt:2:22: expected a step, 'repeat', 'try' or '}' but found end of input"),
                arguments(H + "try r in 1, 2 { foo() }", "recipe.txt:2:10: expected '[' after 'in' but found '1'"),
                arguments(H + "try in [1] { foo() }", "recipe.txt:2:5: expected a variable name after 'try' but found 'in'"),
                arguments(H + "pipeline { a() }", "recipe.txt:2:10: expected a pipeline name after 'pipeline' but found '{'"),
                arguments(H + "pipeline p a()", "recipe.txt:2:12: expected '{' after 'p' but found 'a'"),
                arguments(H + "pipeline p { a() }\npipeline p { b() }", "recipe.txt:3:1: pipeline 'p' is already declared at line 2"),
                arguments(H + "repeat max 2 { pipeline p { a() } }", "recipe.txt:2:16: a pipeline is only allowed at the top level of a recipe, not inside a block"),
                arguments(H + "try r in [1] { data d = idx() }", "recipe.txt:2:16: 'data' is only allowed at the top level of a recipe, not inside a block"),
                // data and statements
                arguments(H + "data = idx(a=1)", "recipe.txt:2:6: expected a data set name after 'data' but found '='"),
                arguments(H + "data x idx(a=1)", "recipe.txt:2:8: expected '=' after 'x' but found 'idx'"),
                arguments(H + "data x = idx", "recipe.txt:2:13: expected '(' after 'idx' but found end of input"),
                arguments(H + "data x = 3", "recipe.txt:2:10: expected a data kind like idx(...) after '=' but found '3'"),
                arguments(H + "data x = idx()\ndata x = npy()", "recipe.txt:3:1: data set 'x' is already declared at line 2"),
                arguments(H + ")", "recipe.txt:2:1: expected a step, 'pipeline', 'repeat', 'try', 'data' or 'verify' but found ')'"),
                arguments(H + "foo(a=1) }", "recipe.txt:2:10: expected a step, 'pipeline', 'repeat', 'try', 'data' or 'verify' but found '}'"),
                arguments(H + "foo(), bar()", "recipe.txt:2:6: expected a step, 'pipeline', 'repeat', 'try', 'data' or 'verify' but found ','"),
                // only the first error counts, even when a lexical error follows
                arguments(H + "foo(a=)\nbar(\"x", "recipe.txt:2:7: expected a value after '=' but found ')'"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("brokenRecipes")
    void reportsTheFirstErrorInPlainWords(String text, String message) {
        assertThatThrownBy(() -> RecipeParser.parse(text, "recipe.txt"))
                .isInstanceOf(RecipeSyntaxException.class)
                .hasMessage(message);
    }

    static Stream<Arguments> brokenStepLists() {
        return Stream.of(
                arguments("a, b(x=", "cli:1:8: expected a value after '=' but found end of input"),
                arguments("a, (b)", "cli:1:4: expected a step, 'repeat', 'try' or ','" + " but found '('"),
                arguments("a, data d = idx()", "cli:1:4: 'data' cannot be used in a step list; write a recipe file"),
                arguments("pipeline p { a }", "cli:1:1: a pipeline cannot be used in a step list; write a recipe file"),
                arguments("repeat max 2 { a, b }", "cli:1:17: expected a step, 'repeat', 'try' or '}' but found ','"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("brokenStepLists")
    void stepListErrors(String text, String message) {
        assertThatThrownBy(() -> RecipeParser.parseSteps(text, "cli"))
                .isInstanceOf(RecipeSyntaxException.class)
                .hasMessage(message);
    }

    @Test
    void antlrPrintsNothing() {
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        try {
            System.setErr(capture);
            System.setOut(capture);
            brokenRecipes().forEach(a -> {
                try {
                    RecipeParser.parse((String) a.get()[0], "recipe.txt");
                } catch (RecipeSyntaxException expected) {
                    // the message is the only output
                }
            });
            brokenStepLists().forEach(a -> {
                try {
                    RecipeParser.parseSteps((String) a.get()[0], "cli");
                } catch (RecipeSyntaxException expected) {
                    // the message is the only output
                }
            });
            for (String name : RecipeFiles.ALL) {
                RecipeFiles.parse(name);
            }
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
