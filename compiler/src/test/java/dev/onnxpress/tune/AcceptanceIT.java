package dev.onnxpress.tune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onnxpress.ir.ModelReader;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.tune.Candidate.Step;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The acceptance rule through the real pipeline: the discordance a run measures reaches the search, and a
 * candidate whose loss on the selection split is within the budget but which moved so many samples that the
 * figure is not to be trusted is rejected, while a lossless one is accepted.
 */
class AcceptanceIT {
    private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
    private static final int SELECTION = 400;

    private static String header(int skip) {
        DataSource src = DataSource.of(EXAMPLES.resolve("data/t1k-images-idx3-ubyte.gz"),
                Optional.of(EXAMPLES.resolve("data/t1k-labels-idx1-ubyte.gz")), 1 / 255.0);
        return "recipe \"t\" version 1\n" + src.declaration("calib", false, 0, 100, Optional.empty()) + "\n"
                + src.declaration("select", true, skip, SELECTION, Optional.empty()) + "\nverify using select { }\n";
    }

    @Test
    void aCandidateWithinTheBudgetOnlyByItsPointFigureIsRejected() {
        Path model = EXAMPLES.resolve("lenet5_fashion/model.onnx");
        RunSettings run = RunSettings.defaults().withLatencyIterations(0).withProgress(false);
        List<Step> pruned = List.of(Step.of("prune_magnitude(sparsity=85%, layers=all)\n  tolerance { cosine >= 0.5 }"),
                Step.of("strip_docs(names=compact, keep_producer=false)"));
        Evaluations select = new Evaluations(model, header(100), run, Optional.empty());
        Measurement original = select.measure(List.of());
        Measurement m = select.measure(pruned.stream().map(Step::text).toList());
        assertThat(m.ok()).as("%s", m).isTrue();
        double delta = original.accuracy() - m.accuracy();
        // the paired figures are consistent: |δ| ≤ d ≤ share of changed predictions
        assertThat(m.discordance()).isPositive().isGreaterThanOrEqualTo(Math.abs(delta) - 1e-12)
                .isLessThanOrEqualTo(1 - m.top1() + 1e-12);
        assertThat(delta).as("the pruned model loses accuracy on the selection split").isPositive();

        // a budget the point figure meets with half of z standard errors to spare
        Acceptance probe = Acceptance.of(Budget.parse("1pt"), SELECTION);
        double loss = 100 * delta;
        double se = probe.standardError(m, original);
        assertThat(se).isPositive();
        Budget budget = new Budget(Budget.Kind.POINTS, loss + 0.5 * Acceptance.Z * se);
        TuneSettings settings = new TuneSettings(budget, Objective.SIZE, java.util.Set.copyOf(TuneSettings.FAMILIES),
                Duration.ofMinutes(5), 0, Acceptance.Z);
        Search s = new Search(select, settings, Deadline.of(Duration.ofMinutes(5)), original, ModelReader.read(model),
                Acceptance.of(budget, SELECTION), x -> { });
        Candidate c = s.evaluate("pruned", pruned).orElseThrow();
        assertThat(budget.holds(c.loss())).isTrue();
        assertThat(s.within(c)).isFalse();
        assertThat(s.best()).isEmpty();
        // what the plain figure would have accepted: the planning limit leaves room for z SE of what was seen
        assertThat(s.limit()).isLessThan(c.loss());

        Candidate lossless = s.evaluate("lossless", List.of(Step.of("strip_docs(names=compact, keep_producer=false)")))
                .orElseThrow();
        assertThat(lossless.measurement().discordance()).isZero();
        assertThat(s.within(lossless)).isTrue();
        assertThat(s.best()).contains(lossless);
    }
}
