package dev.onnxpress.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.bind.Binder;
import dev.onnxpress.bind.PassCatalog;
import dev.onnxpress.bind.Plan;
import dev.onnxpress.bind.TestPasses;
import dev.onnxpress.error.InternalException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.report.PipelineReport;
import dev.onnxpress.report.PipelineReport.StepReport;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline on lenet5_fashion with test-only passes: verdicts, breaches, try, repeat, files. */
class PassManagerIT {
    static final Binder BINDER = new Binder(PassCatalog.of(TestPasses.pipelinePasses()));
    static final RunSettings SETTINGS = RunSettings.defaults().withLatencyIterations(2).withProgress(false);

    @TempDir
    Path dir;

    static String header(int count) {
        return "recipe \"t\" version 1\n"
                + "data test = idx(images=\"" + SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz")
                + "\", labels=\"" + SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz")
                + "\", scale=1/255, count=" + count + ")\n";
    }

    Plan plan(String text) throws Exception {
        Path recipe = dir.resolve("recipe.txt");
        Files.writeString(recipe, text);
        return BINDER.bindFile(recipe, "recipe.txt");
    }

    static Path lenet() {
        return SharedFiles.model("lenet5_fashion");
    }

    @Test
    void semanticsPreservingStepKeepsOutputsAndWritesTheModel() throws Exception {
        Plan plan = plan(header(1000) + "verify using test { accuracy max_drop 0.5% }\nrename_nodes()\n");
        byte[] before = Files.readAllBytes(lenet());
        Path out = dir.resolve("out.onnx");
        PipelineReport r = new PassManager(SETTINGS).run(plan, lenet(), Optional.of(out));
        assertThat(r.outcome().status()).isEqualTo(PipelineReport.Status.OK);
        assertThat(r.baseline().accuracy()).isPresent();
        assertThat(r.steps()).hasSize(1);
        StepReport s = r.steps().get(0);
        assertThat(s.changed()).isTrue();
        assertThat(s.location()).isEqualTo("recipe.txt:4:1");
        assertThat(s.metrics().maxAbsError()).isZero();
        assertThat(s.metrics().cosine()).isEqualTo(1.0);
        assertThat(s.metrics().top1Agreement()).hasValue(1.0);
        assertThat(s.metrics().accuracy()).isEqualTo(r.baseline().accuracy());
        assertThat(s.verdict().passed()).isTrue();
        // verify block + the two round-off defaults of a semantics-preserving pass + finiteness (every step)
        assertThat(s.verdict().checks()).extracting(PipelineReport.CheckResult::text).containsExactly(
                "accuracy max_drop 0.5%", "max_abs_error vs previous <= 1e-4·(1+max|previous|) (round-off)",
                "cosine vs previous >= 0.99999 (round-off)", "outputs finite where the original's are");
        long nodes = dev.onnxpress.ir.ModelReader.read(lenet()).graph().nodeCount();
        assertThat(s.statistics()).containsEntry("nodes_renamed", nodes);
        assertThat(s.nodes()).isEqualTo(nodes);
        assertThat(r.output()).isPresent();
        assertThat(Files.exists(out)).isTrue();
        assertThat(Files.readAllBytes(lenet())).isEqualTo(before);
        assertThat(r.input().sha256()).hasSize(64);
    }

    @Test
    void breachStopsWithLocationAndWritesNoModel() throws Exception {
        Plan plan = plan(header(500) + "verify using test { top1_agreement >= 0.99 }\nrename_nodes()\n"
                + "perturb_weights(amount=0.8)\nrename_nodes(prefix=\"m_\")\n");
        Path out = dir.resolve("out.onnx");
        assertThatThrownBy(() -> new PassManager(SETTINGS).run(plan, lenet(), Optional.of(out)))
                .isInstanceOfSatisfying(ToleranceBreachException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(1);
                    assertThat(e.getMessage()).matches(
                            "recipe\\.txt:5:1: perturb_weights\\(amount=0\\.8\\): top1_agreement 0\\.\\d+ < 0\\.99");
                    PipelineReport r = e.report();
                    assertThat(r.outcome().status()).isEqualTo(PipelineReport.Status.TOLERANCE_BREACH);
                    assertThat(r.outcome().message()).hasValue(e.getMessage());
                    assertThat(r.output()).isEmpty();
                    assertThat(r.steps()).hasSize(2);
                    assertThat(r.steps().get(1).verdict().passed()).isFalse();
                });
        assertThat(Files.exists(out)).isFalse();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("recipe.txt");
        }
    }

    @Test
    void tryKeepsTheFirstValueWithinToleranceAndReportsEveryAttempt() throws Exception {
        Plan plan = plan(header(300) + "verify using test { cosine >= 0.9999 }\n"
                + "try a in [0.5, 0.1, 0.00001] {\n  perturb_weights(amount=a)\n}\n");
        PipelineReport r = new PassManager(SETTINGS).run(plan, lenet(), Optional.empty());
        assertThat(r.steps()).extracting(s -> s.attempt().orElseThrow())
                .containsExactly("a=0.5", "a=0.1", "a=0.00001");
        assertThat(r.steps()).extracting(s -> s.verdict().passed()).containsExactly(false, false, true);
        assertThat(r.steps()).extracting(StepReport::options)
                .containsExactly("amount=0.5", "amount=0.1", "amount=0.00001");
    }

    @Test
    void tryWithNoValueWithinToleranceBreaches() throws Exception {
        Plan plan = plan(header(300) + "verify using test { cosine >= 0.9999 }\n"
                + "try a in [0.5, 0.3] {\n  perturb_weights(amount=a)\n}\n");
        assertThatThrownBy(() -> new PassManager(SETTINGS).run(plan, lenet(), Optional.empty()))
                .isInstanceOf(ToleranceBreachException.class)
                .hasMessageMatching("recipe\\.txt:5:3: perturb_weights\\(amount=0\\.3\\): cosine 0\\.\\d+ < 0\\.9999"
                        + " \\(no value of a stayed within tolerance: a=0\\.5, a=0\\.3\\)");
    }

    @Test
    void repeatStopsWhenARoundChangesNothing() throws Exception {
        Plan plan = plan(header(100) + "repeat max 5 { rename_nodes() }\n");
        PipelineReport r = new PassManager(SETTINGS).run(plan, lenet(), Optional.empty());
        assertThat(r.steps()).extracting(s -> s.attempt().orElseThrow()).containsExactly("round 1", "round 2");
        assertThat(r.steps()).extracting(StepReport::changed).containsExactly(true, false);
    }

    @Test
    void stepToleranceReplacesTheDefaultOnTheSameMetric() throws Exception {
        Plan plan = plan(header(200) + "verify using test { cosine >= 0.99999 }\n"
                + "perturb_weights(amount=0.01)\n  tolerance { cosine >= 0.9 ; max_abs_error vs previous <= 10 }\n");
        PipelineReport r = new PassManager(SETTINGS).run(plan, lenet(), Optional.empty());
        assertThat(r.steps().get(0).verdict().checks()).extracting(PipelineReport.CheckResult::text)
                .containsExactly("cosine >= 0.9", "max_abs_error vs previous <= 10",
                        "outputs finite where the original's are");
        assertThat(r.steps().get(0).verdict().passed()).isTrue();
    }

    @Test
    void oneLineFormChecksOnSeededRandomProbes() {
        Plan plan = BINDER.bindSteps("rename_nodes, perturb_weights(amount=0)", "command line");
        PipelineReport r = new PassManager(SETTINGS).run(plan, lenet(), Optional.empty());
        assertThat(r.dataDescription()).isEqualTo("random probes: 8 samples, seed 0");
        assertThat(r.baseline().accuracy()).isEmpty();
        assertThat(r.steps()).hasSize(2);
        assertThat(r.steps().get(1).metrics().maxAbsError()).isZero();
    }

    @Test
    void invalidGraphFromAPassIsAnInternalError() {
        Plan plan = BINDER.bindSteps("rename_nodes, break_graph", "command line");
        java.util.List<PipelineReport> failed = new java.util.ArrayList<>();
        assertThatThrownBy(() -> new PassManager(SETTINGS, st -> { }, failed::add).run(plan, lenet(), Optional.empty()))
                .isInstanceOf(InternalException.class)
                .hasMessageStartingWith("pass break_graph at command line:1:15 wrote an invalid graph: graph")
                .hasMessageContaining("reads 'nowhere' which nothing produces");
        // the steps done so far are still reported, with the error
        assertThat(failed).singleElement().satisfies(r -> {
            assertThat(r.outcome().status()).isEqualTo(PipelineReport.Status.ERROR);
            assertThat(r.outcome().message().orElseThrow()).startsWith("pass break_graph at command line:1:15");
            assertThat(r.steps()).extracting(StepReport::pass).containsExactly("rename_nodes");
        });
    }

    @Test
    void refusesToWriteOverTheInput() {
        Plan plan = BINDER.bindSteps("rename_nodes", "command line");
        assertThatThrownBy(() -> new PassManager(SETTINGS).run(plan, lenet(), Optional.of(lenet())))
                .isInstanceOf(UserException.class)
                .hasMessage("output " + lenet() + " is the input model; onnxpress never overwrites its input:"
                        + " give another -o");
    }

    @Test
    void dataThatDoesNotFitTheModelIsOneUserErrorAtTheDeclaration() throws Exception {
        Plan plan = plan(header(10) + "verify using test { cosine >= 0.9 }\nrename_nodes()\n");
        assertThatThrownBy(() -> new PassManager(SETTINGS).run(plan, SharedFiles.model("ultraface_rfb640"),
                Optional.empty()))
                .isInstanceOf(UserException.class)
                .hasMessageStartingWith("recipe.txt:2:1: data 'test': ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void passesReadDeclaredDataShapedForTheModelWithASeededRandom() throws Exception {
        Plan plan = plan(header(300) + "count_samples(source=test)\ncount_samples(source=test)\n");
        PipelineReport r = new PassManager(SETTINGS).run(plan, lenet(), Optional.empty());
        assertThat(r.steps()).hasSize(2);
        var stats = r.steps().get(0).statistics();
        assertThat(stats.get("batches").intValue()).isEqualTo(2);
        assertThat(stats.get("samples").longValue()).isEqualTo(300);
        assertThat(stats.get("labels").intValue()).isEqualTo(300);
        // every step gets the same seeded random: results do not depend on what ran before
        assertThat(r.steps().get(1).statistics().get("first_random"))
                .isEqualTo(stats.get("first_random"));
        PipelineReport other = new PassManager(SETTINGS.withSeed(5)).run(plan, lenet(), Optional.empty());
        assertThat(other.steps().get(0).statistics().get("first_random").intValue())
                .isEqualTo(new java.util.Random(5).nextInt(1000));
    }
}
