package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.BoundCheck;
import dev.onnxpress.bind.PassCatalog;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.bind.TestPasses;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which checks a step is held to: verify block, round-off defaults by trait, the step's own tolerance. */
class CheckSelectionTest {
    static List<String> checks(String body, int step) {
        Plan plan = new Binder(PassCatalog.of(TestPasses.pipelinePasses()))
                .bindText("recipe \"t\" version 1\n" + body, "t", Optional.empty());
        return PassManager.checksFor(plan, plan.allSteps().get(step)).stream().map(BoundCheck::text).toList();
    }

    @Test
    void lossyStepsGetTheVerifyBlockOrTheirToleranceElseTheDefaultCheck() {
        assertThat(checks("verify { cosine >= 0.99 }\nperturb_weights(amount=1)", 0)).containsExactly("cosine >= 0.99");
        assertThat(checks("verify { max_abs_error <= 5 }\nperturb_weights(amount=1)", 0))
                .containsExactly("max_abs_error <= 5");
        assertThat(checks("perturb_weights(amount=1) tolerance { max_abs_error <= 5 }", 0))
                .containsExactly("max_abs_error <= 5");
        assertThat(checks("perturb_weights(amount=1)", 0)).containsExactly(
                "cosine >= 0.99 (default: the step has no tolerance and the recipe no verify block)");
        assertThat(checks("rename_nodes()", 0)).noneMatch(c -> c.contains("default"));
    }

    @Test
    void semanticsPreservingStepsAddRoundOffUnlessTheRecipeSaysOtherwise() {
        assertThat(checks("verify { cosine >= 0.99 }\nrename_nodes()", 0)).containsExactly("cosine >= 0.99",
                "max_abs_error vs previous <= 1e-4·(1+max|previous|) (round-off)",
                "cosine vs previous >= 0.99999 (round-off)");
        assertThat(checks("verify { max_abs_error vs previous <= 1 }\nrename_nodes()", 0)).containsExactly(
                "max_abs_error vs previous <= 1", "cosine vs previous >= 0.99999 (round-off)");
        assertThat(checks("rename_nodes() tolerance { cosine vs previous >= 0.9 }", 0)).containsExactly(
                "max_abs_error vs previous <= 1e-4·(1+max|previous|) (round-off)", "cosine vs previous >= 0.9");
    }

    @Test
    void aStepToleranceReplacesTheDefaultOnTheSameMetricAndReferenceOnly() {
        assertThat(checks("verify { cosine >= 0.99; max_abs_error <= 1 }\n"
                + "perturb_weights(amount=1) tolerance { cosine >= 0.5; cosine <= 1; cosine vs previous >= 0.7 }", 0))
                .containsExactly("max_abs_error <= 1", "cosine >= 0.5", "cosine <= 1", "cosine vs previous >= 0.7");
    }
}
