package dev.onnxpress.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onnxpress.pipeline.RunSettings;
import dev.onnxpress.testing.SharedFiles;
import dev.onnxpress.tune.Acceptance;
import dev.onnxpress.tune.Budget;
import dev.onnxpress.tune.DataSource;
import dev.onnxpress.tune.DataSplit;
import dev.onnxpress.tune.Evaluations;
import dev.onnxpress.tune.Measurement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * How well tune's acceptance rule predicts the held-out figure: the candidates of a finished {@code tune} run
 * (its JSON report, {@code -Dcalib.json=…}, with {@code -Dcalib.model=lenet5_fashion} and the Fashion-MNIST test
 * set it was tuned on) whose loss on the selection slice was within the budget are measured again, exactly as
 * the search measured them, on the held-out slice. Prints per candidate the selection loss and standard error,
 * whether the rule accepted it, the held-out loss and standard error, and the standardised difference
 * z = (held-out − selection) / sqrt(SE_sel² + SE_held²): with no selection bias its mean is about 0; the
 * winner's curse shows as a positive mean among the accepted candidates. {@code -Dcalib.max=N} candidates at
 * most (the ones of largest selection loss first).
 */
class AcceptanceCalibrationBenchmark {
    @Test
    void acceptedCandidatesOnTheHeldOutSlice() throws Exception {
        JsonNode tune = new ObjectMapper().readTree(Path.of(System.getProperty("calib.json")).toFile());
        Path model = SharedFiles.model(System.getProperty("calib.model", "lenet5_fashion"));
        int max = Integer.getInteger("calib.max", 20);
        Path data = SharedFiles.data("fashion-mnist");
        DataSource src = DataSource.of(data.resolve("t10k-images-idx3-ubyte.gz"),
                Optional.of(data.resolve("t10k-labels-idx1-ubyte.gz")), 1 / 255.0);
        DataSplit split = DataSplit.of(10_000);
        Budget budget = Budget.parse(tune.get("budget_check").asText().replace("accuracy max_drop ", "")
                .replace("%", "pt"));
        String header = "recipe \"tune candidate\" version 1\n"
                + src.declaration("calib", false, split.calibrationSkip(), split.calibrationCount(), Optional.empty())
                + "\n" + src.declaration("select", true, split.heldOutSkip(), split.heldOutCount(), Optional.empty())
                + "\nverify using select { }\n";
        Evaluations held = new Evaluations(model, header, RunSettings.defaults().withProgress(false)
                .withLatencyIterations(0), Optional.empty(), Optional.of(budget.check()));
        Measurement heldOriginal = held.measure(List.of());
        Acceptance onSelection = Acceptance.of(budget, split.selectionCount());
        Acceptance onHeld = Acceptance.of(budget, split.heldOutCount());
        List<JsonNode> chosen = new ArrayList<>();
        for (JsonNode c : tune.get("search").get("candidates")) {
            if (c.get("steps").size() > 0 && c.get("loss").isNumber() && c.get("loss").asDouble() <= budget.limit()
                    && chosen.stream().noneMatch(x -> x.get("steps").equals(c.get("steps")))) {
                chosen.add(c);
            }
        }
        chosen.sort((a, b) -> Double.compare(b.get("loss").asDouble(), a.get("loss").asDouble()));
        StringBuilder md = new StringBuilder("| candidate | ratio | sel loss | sel SE | accepted | held loss | held SE | z |\n"
                + "|---|---:|---:|---:|---|---:|---:|---:|\n");
        double zAccepted = 0;
        double zOthers = 0;
        int nAccepted = 0;
        int nOthers = 0;
        int acceptedOver = 0;
        for (JsonNode c : chosen.subList(0, Math.min(max, chosen.size()))) {
            List<String> steps = new ArrayList<>();
            c.get("steps").forEach(s -> steps.add(s.asText()));
            Measurement m = held.measure(steps);
            double loss = budget.loss(m, heldOriginal);
            double seHeld = onHeld.standardError(m, heldOriginal);
            double seSel = c.get("standard_error").asDouble();
            double z = (loss - c.get("loss").asDouble()) / Math.sqrt(seSel * seSel + seHeld * seHeld);
            boolean accepted = c.get("accepted").asBoolean();
            if (accepted) {
                zAccepted += z;
                nAccepted++;
                acceptedOver += budget.holds(loss) ? 0 : 1;
            } else {
                zOthers += z;
                nOthers++;
            }
            md.append(String.format(Locale.ROOT, "| %s | %.2f× | %.2f | %.2f | %s | %.2f | %.2f | %+.2f |%n",
                    c.get("label").asText(), c.get("ratio").asDouble(), c.get("loss").asDouble(), seSel,
                    accepted ? "yes" : "no", loss, seHeld, z));
            System.out.println(md);
        }
        md.append(String.format(Locale.ROOT, "%nmean z: accepted %.2f (%d, %d over the budget held-out), not accepted"
                + " %.2f (%d); rule: %s%n", nAccepted == 0 ? Double.NaN : zAccepted / nAccepted, nAccepted, acceptedOver,
                nOthers == 0 ? Double.NaN : zOthers / nOthers, nOthers, onSelection.describe()));
        System.out.println(md);
    }
}
