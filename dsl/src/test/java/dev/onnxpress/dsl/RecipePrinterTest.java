package dev.onnxpress.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.dsl.Statement.Step;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RecipePrinterTest {

    static final List<String> RECIPES = RecipeFiles.ALL;

    @ParameterizedTest
    @FieldSource("RECIPES")
    void designRecipesRoundTrip(String name) {
        Recipe parsed = RecipeFiles.parse(name);
        String printed = RecipePrinter.print(parsed);
        Recipe reparsed = RecipeParser.parse(printed, "printed");
        assertThat(LocationEraser.equalsIgnoringLocation(parsed, reparsed)).isTrue();
        assertThat(LocationEraser.erase(reparsed)).isEqualTo(LocationEraser.erase(parsed));
        // canonical: printing is a fixed point
        assertThat(RecipePrinter.print(reparsed)).isEqualTo(printed);
    }

    @Test
    void canonicalText() {
        Recipe r = RecipeFiles.parse(RecipeFiles.ULTRAFACE);
        assertThat(RecipePrinter.print(r)).isEqualTo("""
                recipe "ultraface 640 fp16 opset 13" version 1

                data ref = onnx_test_data(dir="../models/ultraface_rfb640/test_data_set_0")
                verify using ref { cosine >= 0.9999 }

                repeat max 3 {
                  remove_dead_nodes()
                  remove_identity()
                  fold_constants()
                }
                fold_batchnorm()
                convert_fp16(keep_io_types=true)
                  tolerance { max_abs_error <= 5e-3 }
                convert_opset(target=13)
                externalize_data(min_bytes=1024)
                """);
    }

    @Test
    void stepTextForReports() {
        Recipe r = RecipeParser.parse("""
                recipe "t" version 1
                prune_channels( ratio = 50% ,layers=op("Conv") - name("*head*") & op( "C*" ))
                  tolerance { top1_agreement >= 0.98 }
                """, "t");
        Step step = (Step) r.statements().get(0);
        assertThat(RecipePrinter.print(step))
                .isEqualTo("prune_channels(ratio=50%, layers=op(\"Conv\") - name(\"*head*\") & op(\"C*\"))");
        assertThat(RecipePrinter.printStatement(step)).isEqualTo(
                "prune_channels(ratio=50%, layers=op(\"Conv\") - name(\"*head*\") & op(\"C*\"))\n"
                        + "  tolerance { top1_agreement >= 0.98 }\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "op(\"A\") + op(\"B\") + op(\"C\")",
        "op(\"A\") + (op(\"B\") + op(\"C\"))",
        "op(\"A\") - (op(\"B\") - op(\"C\"))",
        "(op(\"A\") + op(\"B\")) & op(\"C\")",
        "op(\"A\") & (op(\"B\") & op(\"C\"))",
        "op(\"A\") & op(\"B\") & op(\"C\")",
        "all - x & name(\"*\")",
        "[1/255, -3, 1e-4, 30%, \"q\\\"\\\\\\n\", true, [w]]",
    })
    void valuesPrintAsTheyParse(String text) {
        Value v = valueOf(text);
        assertThat(RecipePrinter.print(v)).isEqualTo(text);
    }

    @Test
    void redundantParenthesesAreDropped() {
        assertThat(RecipePrinter.print(valueOf("((op(\"A\") & op(\"B\"))) + (x)"))).isEqualTo("op(\"A\") & op(\"B\") + x");
    }

    @Test
    void numbersBuiltInCode() {
        assertThat(RecipePrinter.print(Value.Num.of(3))).isEqualTo("3");
        assertThat(RecipePrinter.print(Value.Num.of(-0.25))).isEqualTo("-0.25");
        assertThat(RecipePrinter.print(Value.Num.of(1e-4))).isEqualTo("1.0E-4");
        assertThat(RecipePrinter.print(Value.Percent.of(12.5))).isEqualTo("12.5%");
        assertThat(((Value.Num) valueOf(RecipePrinter.print(Value.Num.of(1e-4)))).value()).isEqualTo(1e-4);
    }

    @Test
    void stepListsPrintOnOneLine() {
        List<Statement> steps = RecipeParser.parseSteps(
                "strip_training_nodes, repeat max 2 { a b(x=1) }, q(m=all) tolerance { cosine >= 0.9 }", "cli");
        String line = RecipePrinter.printSteps(steps);
        assertThat(line).isEqualTo(
                "strip_training_nodes(), repeat max 2 { a()  b(x=1) }, q(m=all) tolerance { cosine >= 0.9 }");
        assertThat(LocationEraser.erase(RecipeParser.parseSteps(line, "cli"))).isEqualTo(LocationEraser.erase(steps));
    }

    private static Value valueOf(String text) {
        Recipe r = RecipeParser.parse("recipe \"t\" version 1\np(v=" + text + ")", "t");
        return ((Step) r.statements().get(0)).args().get(0).value();
    }
}
