package dev.onnxpress.tune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.onnxpress.error.UserException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@code tune} run found: every candidate measured on the selection split, the one chosen, and
 * the chosen recipe's figures on the held-out split, as {@code onnxpress run} measured them.
 *
 * @param heldOutOriginal the original model on the held-out slice
 * @param heldOut         the written recipe's result on the held-out slice (failed when the run broke)
 * @param heldOutLoss     its loss under the budget
 * @param withinBudget    whether the held-out loss meets the budget
 * @param modelBytes      bytes of the written model (or of the recipe's result), -1 when none
 */
public record TuneSummary(String model, String modelSha, Objective objective, Budget budget, DataSplit split,
                          Measurement selectionOriginal, List<Candidate> candidates, int chosen,
                          boolean chosenWithinSearchLimit, double searchLimit, Measurement heldOutOriginal,
                          Measurement heldOut, double heldOutLoss, boolean withinBudget, String recipeFile,
                          String recipe, Optional<String> modelOut, long modelBytes, double searchSeconds,
                          double wallSeconds, int evaluationsRun, int evaluationsCached, boolean stoppedByDeadline,
                          Map<String, String> notes, Acceptance acceptance) {
    public TuneSummary {
        candidates = List.copyOf(candidates);
        notes = Map.copyOf(notes);
    }

    public Candidate winner() {
        return candidates.get(chosen);
    }

    /** Objective ratio on the held-out slice (original / tuned). */
    public double heldOutRatio() {
        return objective.ratio(heldOut, heldOutOriginal);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model);
        j.put("model_sha256", modelSha);
        j.put("objective", objective.id());
        j.put("budget", budget.toString());
        j.put("budget_check", budget.check());
        j.put("split", Map.of("total", split.total(), "calibration", split.calibrationCount(),
                "selection", split.selectionCount(), "held_out", split.heldOutCount()));
        j.put("recipe_file", recipeFile);
        modelOut.ifPresent(m -> j.put("model_out", m));
        Map<String, Object> held = new LinkedHashMap<>();
        held.put("original", figures(heldOutOriginal));
        held.put("tuned", figures(heldOut));
        held.put("loss", finite(heldOutLoss));
        held.put("ratio", finite(heldOutRatio()));
        held.put("within_budget", withinBudget);
        j.put("held_out", held);
        Map<String, Object> sel = new LinkedHashMap<>();
        sel.put("original", figures(selectionOriginal));
        sel.put("limit", searchLimit);
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("rule", "loss + z * standard_error <= allowed");
        rule.put("z", acceptance.z());
        rule.put("allowed", acceptance.allowed());
        rule.put("samples", acceptance.samples());
        rule.put("standard_error", switch (budget.kind()) {
            case POINTS -> "paired: 100 * sqrt((d - delta^2) / (n - 1)), d = share of samples where exactly one of"
                    + " original and candidate is right, delta = accuracy difference";
            case TOP1 -> "binomial: sqrt(p (1 - p) / (n - 1)), p = share of changed predictions";
            case COSINE -> "none (a fixed margin: allowed = " + Acceptance.COSINE_MARGIN + " * budget)";
        });
        rule.put("text", acceptance.describe());
        sel.put("acceptance", rule);
        sel.put("chosen", chosen);
        sel.put("chosen_within_limit", chosenWithinSearchLimit);
        List<Object> cs = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", c.label());
            m.put("steps", c.texts());
            m.put("loss", finite(c.loss()));
            double se = acceptance.standardError(c.measurement(), selectionOriginal);
            m.put("standard_error", finite(se));
            m.put("accepted", acceptance.accepts(c.loss(), c.measurement(), selectionOriginal));
            m.put("objective", finite(c.objective()));
            m.put("ratio", finite(objective.ratio(c.measurement(), selectionOriginal)));
            m.put("figures", figures(c.measurement()));
            cs.add(m);
        }
        sel.put("candidates", cs);
        j.put("search", sel);
        j.put("notes", new LinkedHashMap<>(notes));
        j.put("search_seconds", searchSeconds);
        j.put("wall_seconds", wallSeconds);
        j.put("evaluations_run", evaluationsRun);
        j.put("evaluations_cached", evaluationsCached);
        j.put("stopped_by_deadline", stoppedByDeadline);
        return j;
    }

    static Map<String, Object> figures(Measurement m) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("ok", m.ok());
        m.error().ifPresent(e -> f.put("error", e));
        if (m.ok()) {
            f.put("bytes", m.bytes());
            if (m.macs() >= 0) {
                f.put("macs", m.macs());
            }
            f.put("latency_ms", finite(m.latencyMs()));
            f.put("accuracy", finite(m.accuracy()));
            f.put("cosine", finite(m.cosine()));
            f.put("top1_agreement", finite(m.top1()));
            if (Double.isFinite(m.discordance())) {
                f.put("discordance", m.discordance());
            }
        }
        f.put("seconds", m.seconds());
        return f;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    public void writeJson(Path file) {
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), toJson());
        } catch (IOException e) {
            throw new UserException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
