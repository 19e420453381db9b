package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.report.JsonReport;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.report.PipelineReport.StepReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step whose results depend on the batch size (batch_offset adds batch size − 1 to the output, exact only at
 * batch 1) and every step after it are verified at the deployed batch size, and the report says so. Measured
 * at any other batch size the offset shows as an error, so this fails if verification ever batches such a step.
 */
class BatchDependentStepIT {
    @TempDir
    Path dir;

    @Test
    void aBatchDependentStepAndTheStepsAfterItAreMeasuredAtTheDeployedBatchSize() throws Exception {
        Path recipe = dir.resolve("recipe.txt");
        Files.writeString(recipe, PassManagerIT.header(300) + "verify using test { accuracy max_drop 1% }\n"
                + "rename_nodes()\nbatch_offset()\nrename_nodes(prefix=\"m_\")\n");
        Plan plan = PassManagerIT.BINDER.bindFile(recipe, "recipe.txt");
        RunSettings settings = PassManagerIT.SETTINGS.withBatchSize(64);
        assertThat(settings.batchSize()).isGreaterThan(PassManager.DEPLOY_BATCH);
        PipelineReport r = new PassManager(settings).run(plan, PassManagerIT.lenet(), Optional.empty());

        assertThat(r.outcome().status()).isEqualTo(PipelineReport.Status.OK);
        StepReport before = r.steps().get(0);
        StepReport gated = r.steps().get(1);
        StepReport after = r.steps().get(2);
        assertThat(before.measured().batchDependent()).isFalse();
        assertThat(before.measured().batchSize()).isEqualTo(settings.batchSize());
        for (StepReport s : new StepReport[] {gated, after}) {
            assertThat(s.measured().batchDependent()).as(s.pass()).isTrue();
            assertThat(s.measured().batchSize()).as(s.pass()).isEqualTo(PassManager.DEPLOY_BATCH);
            assertThat(s.measured().latencyBatchSize()).as(s.pass()).isEqualTo(PassManager.DEPLOY_BATCH);
            // at batch 1 the offset is 0: any other batch size would show it here
            assertThat(s.metrics().maxAbsError()).as(s.pass()).isZero();
            assertThat(s.metrics().accuracy()).isEqualTo(r.baseline().accuracy());
        }

        JsonNode json = new ObjectMapper().readTree(JsonReport.toJson(r));
        JsonNode step = json.path("steps").get(1);
        assertThat(step.path("batch_size").asInt()).isEqualTo(1);
        assertThat(step.path("latency_batch_size").asInt()).isEqualTo(1);
        assertThat(step.path("batch_dependent").asBoolean()).isTrue();
        assertThat(json.path("steps").get(0).path("batch_dependent").asBoolean()).isFalse();
        assertThat(dev.onnxpress.report.BatchSizes.sentence(r)).hasValueSatisfying(s -> assertThat(s)
                .contains("accuracy and fidelity at batch " + settings.batchSize(), "steps 2, 3", "batch_offset",
                        "measured at batch 1"));
        assertThat(dev.onnxpress.report.TerminalReport.render(r, true)).contains("measured at batch 1");
        assertThat(dev.onnxpress.report.HtmlReport.toHtml(r)).contains("measured at batch 1");
    }
}
