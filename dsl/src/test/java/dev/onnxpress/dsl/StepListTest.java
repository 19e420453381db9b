package dev.onnxpress.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.dsl.Statement.Repeat;
import dev.onnxpress.dsl.Statement.Step;
import dev.onnxpress.dsl.Statement.Try;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CLI's {@code -p 'a, b(x=1), c'} form. */
class StepListTest {

    @Test
    void bareNamesAndCalls() {
        List<Statement> steps = RecipeParser.parseSteps(
                "strip_training_nodes, fold_batchnorm(x=1), quantize_int8(calibration=calib)", "-p");
        assertThat(steps).extracting(s -> ((Step) s).name())
                .containsExactly("strip_training_nodes", "fold_batchnorm", "quantize_int8");
        assertThat(((Step) steps.get(0)).args()).isEmpty();
        assertThat(((Step) steps.get(1)).args()).hasSize(1);
        assertThat(steps.get(2).location()).isEqualTo(new SourceLocation("-p", 1, 44));
    }

    @Test
    void separatorsAreCommasSemicolonsOrSpaces() {
        List<Statement> a = LocationEraser.erase(RecipeParser.parseSteps("a, b; c d", "-p"));
        List<Statement> b = LocationEraser.erase(RecipeParser.parseSteps("a() b() c() d()", "-p"));
        assertThat(a).isEqualTo(b).hasSize(4);
        assertThat(RecipeParser.parseSteps("", "-p")).isEmpty();
        assertThat(RecipeParser.parseSteps(" , ; ", "-p")).isEmpty();
    }

    @Test
    void blocksAndTolerances() {
        List<Statement> steps = RecipeParser.parseSteps(
                "repeat max 3 { remove_identity fold_constants }, try r in [0.5, 0.3] { prune(ratio=r) }, "
                        + "convert_fp16 tolerance { max_abs_error <= 5e-3 }",
                "-p");
        assertThat(((Repeat) steps.get(0)).body()).hasSize(2);
        assertThat(((Try) steps.get(1)).values()).hasSize(2);
        assertThat(((Step) steps.get(2)).tolerance()).isPresent();
    }
}
