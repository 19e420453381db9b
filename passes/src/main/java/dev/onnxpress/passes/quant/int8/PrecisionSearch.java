package dev.onnxpress.passes.quant.int8;

import dev.onnxpress.ir.Model;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Mixed precision under an accuracy budget, HAQ's goal with a greedy search: each unit's sensitivity is
 * the drop when only that unit is quantized; then, starting from everything quantized, the most
 * sensitive unit still quantized goes back to float until the whole model's drop is within the budget.
 */
final class PrecisionSearch {
    /** A unit kept in float, with its own sensitivity and the model's drop before it was restored. */
    record Kept(int unit, String layer, double sensitivity, double dropBefore) {
    }

    record Outcome(Set<Integer> quantized, List<Kept> keptFloat, Map<String, Double> sensitivity,
                   double finalDrop, int evaluations) {
    }

    private PrecisionSearch() {
    }

    /**
     * @param build   the model with exactly the given units quantized (a fresh copy each time)
     * @param metric  top-1 score of a model
     * @param names   unit index → layer label
     */
    static Outcome run(List<Integer> units, Map<Integer, String> names, double floatScore, double maxDrop,
            Function<Set<Integer>, Model> build, Metric metric) {
        Map<Integer, Double> sens = new LinkedHashMap<>();
        int evals = 0;
        for (int u : units) {
            sens.put(u, floatScore - metric.score(build.apply(Set.of(u))));
            evals++;
        }
        List<Integer> order = new ArrayList<>(units);
        order.sort(Comparator.comparingDouble((Integer u) -> -sens.get(u)).thenComparing(u -> u));
        Set<Integer> quantized = new LinkedHashSet<>(units);
        List<Kept> kept = new ArrayList<>();
        double drop = floatScore - metric.score(build.apply(quantized));
        evals++;
        for (int u : order) {
            if (drop <= maxDrop + 1e-12) {
                break;
            }
            quantized.remove(u);
            kept.add(new Kept(u, names.get(u), sens.get(u), drop));
            drop = quantized.isEmpty() ? 0 : floatScore - metric.score(build.apply(quantized));
            evals++;
        }
        Map<String, Double> byName = new LinkedHashMap<>();
        sens.forEach((u, s) -> byName.put(names.get(u), s));
        return new Outcome(Set.copyOf(quantized), List.copyOf(kept), byName, drop, evals);
    }

    /** Scores a model (top-1 accuracy or agreement). */
    @FunctionalInterface
    interface Metric {
        double score(Model m);
    }
}
