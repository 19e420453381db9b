package dev.onnxpress.tune;

import dev.onnxpress.tune.Candidate.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The search for fewer MACs or lower latency: BatchNorm folding, then channel pruning with per-layer
 * ratios (criterion l1 or reconstruction, measured, with the consumers refit on calibration data), then —
 * for latency — int8 quantization with the calibration method that measures best.
 *
 * <ol>
 *   <li>fold_batchnorm, kept when it verifies.</li>
 *   <li>Both criteria at one uniform ratio on every layer; the lower loss wins.</li>
 *   <li>Per-layer sensitivity: each layer alone up the ratio ladder, until it costs twice the budget; the
 *       gain is the MACs it removes, as measured.</li>
 *   <li>Greedy allocation by MACs removed per point of loss, joint verification, back-off and push.</li>
 *   <li>Latency: int8 (minmax, percentile, entropy) on the pruned model, each measured; methods over budget are avoided.</li>
 * </ol>
 */
final class ComputeSearch {
    static final double[] RATIOS = {0.25, 0.5, 0.75};

    private final Search s;

    ComputeSearch(Search s) {
        this.s = s;
    }

    void run() {
        List<Step> prefix = new ArrayList<>();
        if (s.settings.allows("fold_batchnorm") && s.model.graph().nodes().stream()
                .anyMatch(n -> n.is("BatchNormalization"))) {
            // exact, so it is not measured alone: a failure would show in every candidate after it
            prefix.add(new Step("fold_batchnorm()", "exact: BatchNormalization folded into the layers next to it"));
        }
        Candidate base = s.evaluate(prefix.isEmpty() ? "original" : "fold_batchnorm", prefix).orElse(null);
        if (base == null || !base.measurement().ok()) {
            if (prefix.isEmpty()) {
                return;
            }
            prefix.clear();
            base = s.evaluate("original", prefix).orElse(null);
            if (base == null) {
                return;
            }
        }
        java.util.Set<String> outputs = new java.util.HashSet<>();
        s.model.graph().outputs().forEach(v -> outputs.add(v.name()));
        // layers whose outputs are the model's outputs keep their channels
        List<Search.Layer> layers = Search.layers(s.model).stream().filter(l -> l.channels() >= 4)
                .filter(l -> s.model.graph().nodes().stream().noneMatch(n -> n.name().equals(l.name())
                        && n.outputs().stream().anyMatch(o -> outputs.contains(o.name())))).toList();
        Candidate pruned = base;
        if (s.settings.allows("prune_channels") && !layers.isEmpty()) {
            pruned = prune(prefix, base, layers).orElse(base);
        }
        if (s.objective() == Objective.LATENCY && s.settings.allows("quantize_int8")) {
            for (String m : List.of("minmax", "percentile", "entropy")) {
                List<Step> steps = new ArrayList<>(pruned.steps());
                steps.add(new Step("quantize_int8(method=" + m + ", calibration=calib)",
                        "int8 kernels; calibration method " + m + " measured against the others on the selection split"));
                Optional<Candidate> c = s.evaluate("int8 " + m, steps);
                if (c.isPresent() && !s.within(c.get())) {
                    s.notes.put("quantize_int8(method=" + m + ")", "avoided: " + s.budget().describeLoss(c.get().loss())
                            + " on the selection split, over the budget");
                }
            }
        }
    }

    private Optional<Candidate> prune(List<Step> prefix, Candidate base, List<Search.Layer> layers) {
        // 1. the criterion
        Probed probed = probeCriteria(prefix, layers);
        String criterion = probed.criterion();
        Map<String, Candidate> probes = probed.probes();
        // 2. one ratio for every layer, by bisection: an answer early, refined per layer if time allows
        bisectUniform(prefix, criterion, probes.get(criterion), layers);
        String criterionWhy = "criterion " + criterion + " (consumers refit on the calibration split): at 30% on every"
                + " layer " + String.join(", ", probes.entrySet().stream().map(e -> e.getKey() + " "
                        + s.budget().describeLoss(e.getValue().loss())).toList()) + " on the selection split";
        // 2. per-layer sensitivity
        Map<String, List<Allocation.Level>> ladders = new LinkedHashMap<>();
        String crit = criterion;
        for (Search.Layer l : layers) {
            ladders.put(l.name(), ladder(prefix, base, layers, l, crit));
        }
        if (s.stopped()) {
            return Optional.empty();
        }
        // 3. allocation
        Allocation alloc = new Allocation(ladders, Math.max(1e-9, s.limit() * 0.02));
        return s.allocate(alloc, Math.max(0, s.limit() - Math.max(0, base.loss())), choice -> {
            Map<String, Double> ratios = new LinkedHashMap<>();
            StringBuilder why = new StringBuilder(criterionWhy).append(". Per layer, alone:");
            choice.forEach((k, v) -> {
                ratios.put(k, v.value());
                why.append(String.format(Locale.ROOT, " %s %s → %s, %,.0f fewer MACs;", k, v.label(),
                        s.budget().describeLoss(v.loss()), v.gain()));
            });
            return with(prefix, new Step(step(crit, ratios, layers), why.toString()));
        }, s.objective().id());
    }

    /** The criterion with the least loss at 30% of every layer, and each criterion's probe. */
    private record Probed(String criterion, Map<String, Candidate> probes) {
    }

    private Probed probeCriteria(List<Step> prefix, List<Search.Layer> layers) {
        String criterion = "reconstruction";
        double bestLoss = Double.POSITIVE_INFINITY;
        Map<String, Candidate> probes = new LinkedHashMap<>();
        for (String c : List.of("l1", "reconstruction")) {
            Map<String, Double> uniform = new LinkedHashMap<>();
            layers.forEach(l -> uniform.put(l.name(), 0.3));
            Optional<Candidate> cand = s.evaluate("criterion " + c + " at 30%",
                    with(prefix, new Step(step(c, uniform, layers), "30% of every layer's channels, criterion " + c
                            + " (consumers refit on the calibration split), probed against the other criterion")));
            if (cand.isPresent()) {
                probes.put(c, cand.get());
                if (cand.get().loss() < bestLoss) {
                    bestLoss = cand.get().loss();
                    criterion = c;
                }
            }
        }
        return new Probed(criterion, probes);
    }

    /** One ratio for every layer, by bisection: an answer early, refined per layer if time allows. */
    private void bisectUniform(List<Step> prefix, String criterion, Candidate uniform, List<Search.Layer> layers) {
        String crit0 = criterion;
        double lo = 0;
        double hi = 0.8;
        if (uniform != null && s.within(uniform)) {
            lo = 0.3;
        } else {
            hi = 0.3;
        }
        for (int i = 0; i < 3 && !s.stopped(); i++) {
            double r = Math.round((lo + hi) / 2 * 100) / 100.0;
            Map<String, Double> all = new LinkedHashMap<>();
            layers.forEach(l -> all.put(l.name(), r));
            Optional<Candidate> c = s.evaluate("uniform " + SizeSearch.pct(r), with(prefix, new Step(step(crit0, all, layers),
                    "one ratio for every layer, found by bisection on the selection split (criterion " + crit0 + ")")));
            if (c.isEmpty()) {
                break;
            }
            if (s.within(c.get())) {
                lo = r;
            } else {
                hi = r;
            }
        }
    }

    /** One layer's sensitivity ladder: gain and loss at rising ratios, until the loss passes twice the limit. */
    private List<Allocation.Level> ladder(List<Step> prefix, Candidate base, List<Search.Layer> layers,
            Search.Layer l, String crit) {
        List<Allocation.Level> ladder = new ArrayList<>();
        for (double r : RATIOS) {
            Optional<Candidate> c = s.evaluate("sensitivity " + l.name() + " " + SizeSearch.pct(r),
                    with(prefix, Step.of(step(crit, Map.of(l.name(), r), layers))));
            if (c.isEmpty()) {
                break;
            }
            double gain = base.objective() - c.get().objective();
            if (s.objective() == Objective.LATENCY) {
                // latency is too noisy to rank layers by: MACs removed stand in for it
                gain = base.measurement().macs() - c.get().measurement().macs();
            }
            double loss = c.get().loss() - base.loss();
            ladder.add(new Allocation.Level(SizeSearch.pct(r), r, gain, loss));
            if (loss > 2 * s.limit() || gain <= 0) {
                break;
            }
        }
        return ladder;
    }

    private static List<Step> with(List<Step> prefix, Step step) {
        List<Step> out = new ArrayList<>(prefix);
        out.add(step);
        return out;
    }

    /** One prune_channels step with per-layer ratios, in the model's layer order; other layers untouched. */
    static String step(String criterion, Map<String, Double> ratios, List<Search.Layer> layers) {
        List<String> sel = new ArrayList<>();
        List<String> rs = new ArrayList<>();
        for (Search.Layer l : layers) {
            Double r = ratios.get(l.name());
            if (r != null && r > 0) {
                sel.add(l.selector());
                rs.add(SizeSearch.pct(r));
            }
        }
        return "prune_channels(criterion=" + criterion + ", compensate=true, calibration=calib, scope=layer, ratio=0,"
                + " ratio_layers=[" + String.join(", ", sel) + "], ratios=[" + String.join(", ", rs) + "])";
    }
}
