package dev.onnxpress.tune;

import dev.onnxpress.tune.Candidate.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The search for fewer MACs or lower latency: BatchNorm folding, then channel pruning (criterion l1 or
 * reconstruction, measured, with the consumers refit on calibration data) — one threshold across the layers,
 * found by bisection, in one or two rounds, then per-layer ratios by sensitivity — and, for latency, the
 * families that change speed but not MACs, each measured alone and again on the pruned model.
 *
 * <ol>
 *   <li>fold_batchnorm, kept when it verifies.</li>
 *   <li>Latency: int8 (minmax, percentile, entropy), early exits and fp16, each alone on the folded model
 *       (paired batch-1 latency against the original); a family over the budget, not faster, or failing is
 *       noted with why and not tried again.</li>
 *   <li>Both criteria at one uniform ratio on every layer; the lower loss wins.</li>
 *   <li>One global ratio by bisection, then a second round on top of the best (the first round's refit
 *       makes the second cheaper than one big step).</li>
 *   <li>Per-layer sensitivity: each layer alone up the ratio ladder, until it costs twice the budget; the
 *       gain is the MACs it removes, as measured.</li>
 *   <li>Greedy allocation by MACs removed per point of loss, joint verification, back-off and push.</li>
 *   <li>Latency: the families that paid alone, on the pruned model (int8 methods within the budget alone,
 *       best first; exits with what is left of the budget).</li>
 * </ol>
 *
 * <p>Early exits and fp16 do not lower the counted MACs (a model with exits has no fixed MAC count), so the
 * MACs objective notes them as not applicable instead of measuring them.
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
        Families alone = new Families();
        if (s.objective() == Objective.LATENCY) {
            alone = latencyFamilies(base);
        } else {
            notApplicableToMacs();
        }
        Candidate pruned = base;
        java.util.Set<Candidate> followed = new java.util.HashSet<>();
        Families paid = alone;
        Candidate start = base;
        // latency: the families that paid alone are tried on the first pruned answer at once (an answer
        // early), and again on the final one when the search refined it
        java.util.function.Consumer<Candidate> follow = c -> {
            if (s.objective() == Objective.LATENCY && c != start && followed.add(c)) {
                onPruned(c, paid);
            }
        };
        if (s.settings.allows("prune_channels") && !layers.isEmpty()) {
            pruned = prune(prefix, base, layers, follow).orElse(base);
        }
        follow.accept(pruned);
        notChosen();
    }

    /** Family candidates that were within the limit and faster than the model before them. */
    private final List<Candidate> paid = new ArrayList<>();

    /**
     * A family that paid alone but is not in the answer (another was faster, and e.g. exits cannot follow
     * int8): named with its figures and the answer's, so the report says why it is absent.
     */
    private void notChosen() {
        Optional<Candidate> best = s.best();
        for (Candidate c : paid) {
            String step = c.steps().get(c.steps().size() - 1).text();
            if (best.isPresent() && best.get().texts().contains(step)) {
                continue;
            }
            s.notes.putIfAbsent(step, String.format(Locale.ROOT, "within the budget and faster on its own (%s, %s)"
                    + " but not chosen: %s", s.ratioText(c), s.budget().describeLoss(c.loss()),
                    best.map(b -> "\"" + b.label() + "\" is faster (" + s.ratioText(b) + ")"
                            + (step.startsWith("add_early_exits") && b.texts().stream()
                            .anyMatch(t -> t.startsWith("quantize_int8")) ? "; exits cannot follow int8 (ONNX Runtime"
                            + " cannot load quantized nodes inside an exit's branch)" : ""))
                            .orElse("the search stopped before a candidate within the budget")));
        }
    }

    /** What the latency families measured alone: int8 methods within the budget (fastest first), exits, fp16. */
    private static final class Families {
        final List<Candidate> int8 = new ArrayList<>();
        boolean exitsPaid;
        boolean fp16Paid;
    }

    /**
     * A candidate counts as faster when its paired speed-up beats both the model before it and the original
     * by a tenth: on a busy machine an exact step (BatchNorm folding) alone measures a few percent either way.
     */
    static final double FASTER = 0.9;

    private boolean faster(Candidate c, Candidate than) {
        double ref = Math.min(than.objective(), s.objective().value(s.original));
        return c.measurement().ok() && Double.isFinite(c.objective()) && c.objective() < FASTER * ref;
    }

    /** Why a candidate of a family is not kept: failed, over the budget, or not faster than {@code ref}. */
    private Optional<String> rejection(Candidate c, Candidate ref, String refName) {
        if (!c.measurement().ok()) {
            return Optional.of("failed: " + firstLine(c.measurement().error().orElse("")));
        }
        if (!s.within(c)) {
            return Optional.of(s.budget().describeLoss(c.loss()) + " on the selection split, over the search's limit"
                    + " (" + Budget.num(s.limit()) + ")");
        }
        if (!faster(c, ref)) {
            return Optional.of(String.format(Locale.ROOT, "not a tenth faster at batch 1 than %s and the original"
                    + " (%s vs %s; speed-ups paired against the original)", refName, s.ratioText(c), s.ratioText(ref)));
        }
        return Optional.empty();
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        String t = nl < 0 ? text : text.substring(0, nl);
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }

    private void notApplicableToMacs() {
        if (s.settings.allows("add_early_exits")) {
            s.notes.put("add_early_exits", "not tried for macs: a model with exits has no fixed MAC count (what it"
                    + " runs depends on the input), so the MACs counted do not fall");
        }
        if (s.settings.allows("convert_fp16")) {
            s.notes.put("convert_fp16", "not tried for macs: float16 changes the arithmetic's precision, not how"
                    + " many multiply-accumulates run");
        }
        if (s.settings.allows("quantize_int8")) {
            s.notes.put("quantize_int8", "not tried for macs: int8 changes the arithmetic's precision, not how many"
                    + " multiply-accumulates run");
        }
    }

    /** int8 by method, early exits and fp16, each alone on {@code base}; a failed or useless family is noted. */
    private Families latencyFamilies(Candidate base) {
        Families f = new Families();
        if (s.settings.allows("quantize_int8")) {
            // the calibration methods in order of cost; a dearer one only when the cheaper did not pay
            for (String m : INT8_METHODS) {
                Optional<Candidate> c = s.evaluate("int8 " + m, with(base.steps(), int8(m)));
                if (c.isEmpty()) {
                    return f;
                }
                Optional<String> no = rejection(c.get(), base, "the model before it");
                if (no.isPresent()) {
                    s.notes.put(int8(m).text(), "avoided: " + no.get());
                } else {
                    f.int8.add(c.get());
                    paid.add(c.get());
                    break;
                }
            }
        }
        if (s.settings.allows("add_early_exits")) {
            Optional<Candidate> c = exits(base, "early exits");
            c.ifPresent(x -> f.exitsPaid = rejection(x, base, "the model before it").isEmpty());
            c.filter(x -> f.exitsPaid).ifPresent(paid::add);
        }
        if (s.settings.allows("convert_fp16")) {
            Step fp16 = new Step("convert_fp16()", "float16 arithmetic where ONNX Runtime has float16 kernels;"
                    + " measured faster at batch 1 alone");
            Optional<Candidate> c = s.evaluate("fp16", with(base.steps(), fp16));
            c.ifPresent(x -> {
                Optional<String> no = rejection(x, base, "the model before it");
                no.ifPresent(why -> s.notes.put(fp16.text(), "avoided: " + why));
                f.fp16Paid = no.isEmpty();
                if (f.fp16Paid) {
                    paid.add(x);
                }
            });
        }
        return f;
    }

    /** int8 calibration methods, cheapest first. */
    static final List<String> INT8_METHODS = List.of("minmax", "percentile", "entropy");

    private static Step int8(String method) {
        return new Step("quantize_int8(method=" + method + ", calibration=calib)", "int8 kernels; calibration method "
                + method + " measured against the others on the selection split (paired batch-1 latency)");
    }

    /**
     * Early exits after {@code on}, the exit's own accuracy allowance being what is left of the search's limit
     * (as a fraction of agreement with the full model on the calibration slice, which has no labels); when
     * that is over the limit on the selection split, half of it once. Exits go last: nothing quantizes inside
     * their branches, and a batch of one is how they are deployed and verified.
     */
    private Optional<Candidate> exits(Candidate on, String label) {
        if (s.budget().kind() == Budget.Kind.COSINE) {
            s.notes.put("add_early_exits", "not tried: an exit replaces the logits of the samples it takes, so the"
                    + " output cosine to the original, which the budget bounds, falls with every exit taken");
            return Optional.empty();
        }
        double left = s.limit() - Math.max(0, on.loss());
        double frac = s.budget().kind() == Budget.Kind.POINTS ? left / 100 : left;
        if (frac <= 1e-4) {
            s.notes.put("add_early_exits", "not tried after " + on.label() + ": no budget left for it");
            return Optional.empty();
        }
        Optional<Candidate> last = Optional.empty();
        for (double d : new double[] {frac, frac / 2}) {
            String drop = String.format(Locale.ROOT, "%.4f", d).replaceAll("0+$", "").replaceAll("\\.$", "");
            Step step = new Step("add_early_exits(auto_count=1, calibration=calib, max_drop=" + drop + ")",
                    "one exit at the point chosen by measured cost and separability; its threshold keeps the"
                            + " agreement with the full model on the calibration slice within " + drop + " (what the"
                            + " search had left of the budget); verified as deployed, at batch 1");
            last = s.evaluate(label + " (max_drop " + drop + ")", with(on.steps(), step));
            if (last.isEmpty()) {
                return last;
            }
            Optional<String> no = rejection(last.get(), on, on.label());
            if (no.isEmpty()) {
                return last;
            }
            s.notes.put(step.text() + (on.steps().isEmpty() ? "" : " after " + on.label()), "avoided: " + no.get());
            if (last.get().measurement().ok() && s.within(last.get())) {
                break; // within the budget but not faster: a lower allowance would exit less
            }
        }
        return last;
    }

    /** The latency families that paid alone, again on the pruned model. */
    private void onPruned(Candidate pruned, Families alone) {
        if (!alone.int8.isEmpty()) {
            // the method that paid alone first, then the others (pruning may change which ranges fit)
            String first = alone.int8.get(0).label().substring("int8 ".length());
            List<String> order = new ArrayList<>(List.of(first));
            INT8_METHODS.stream().filter(m -> !m.equals(first)).forEach(order::add);
            for (String m : order) {
                Optional<Candidate> c = s.evaluate("pruned + int8 " + m, with(pruned.steps(), int8(m)));
                if (c.isEmpty()) {
                    return;
                }
                Optional<String> no = rejection(c.get(), pruned, "the pruned model");
                if (no.isEmpty()) {
                    break;
                }
                s.notes.put(int8(m).text() + " after pruning", "avoided: " + no.get());
            }
        }
        if (alone.exitsPaid) {
            exits(pruned, "pruned + early exits");
        }
        if (alone.fp16Paid) {
            s.evaluate("pruned + fp16", with(pruned.steps(), new Step("convert_fp16()", "float16 arithmetic where"
                    + " ONNX Runtime has float16 kernels; measured faster at batch 1")));
        }
    }

    private Optional<Candidate> prune(List<Step> prefix, Candidate base, List<Search.Layer> layers,
                                      java.util.function.Consumer<Candidate> early) {
        // 1. the criterion
        Probed probed = probeCriteria(prefix, layers);
        String criterion = probed.criterion();
        Map<String, Candidate> probes = probed.probes();
        // 2. one ratio for every layer, by bisection: an answer early, refined per layer if time allows
        Optional<Candidate> uniform = bisectUniform(prefix, criterion, probed.bisection(), layers, 3);
        Optional<Candidate> bestPruned = uniform;
        uniform.ifPresent(early);
        // 3. a second round on top: the first round's refit leaves a model a second cut costs less on
        if (uniform.isPresent()) {
            bestPruned = better(bestPruned, secondRound(uniform.get(), criterion, layers));
        }
        String criterionWhy = "criterion " + criterion + " (consumers refit on the calibration split): at 30% on every"
                + " layer " + String.join(", ", probes.entrySet().stream().map(e -> e.getKey() + " "
                        + s.budget().describeLoss(e.getValue().loss())).toList()) + " on the selection split";
        // 4. per-layer sensitivity
        Map<String, List<Allocation.Level>> ladders = new LinkedHashMap<>();
        String crit = criterion;
        for (Search.Layer l : layers) {
            ladders.put(l.name(), ladder(prefix, base, layers, l, crit));
        }
        if (s.stopped()) {
            return bestPruned;
        }
        // 5. allocation
        Allocation alloc = new Allocation(ladders, Math.max(1e-9, s.limit() * 0.02));
        Optional<Candidate> allocated = s.allocate(alloc, Math.max(0, s.limit() - Math.max(0, base.loss())), choice -> {
            Map<String, Double> ratios = new LinkedHashMap<>();
            StringBuilder why = new StringBuilder(criterionWhy).append(". Per layer, alone:");
            choice.forEach((k, v) -> {
                ratios.put(k, v.value());
                why.append(String.format(Locale.ROOT, " %s %s → %s, %,.0f fewer MACs;", k, v.label(),
                        s.budget().describeLoss(v.loss()), v.gain()));
            });
            return with(prefix, new Step(step(crit, ratios, layers), why.toString()));
        }, s.objective().id());
        if (allocated.isPresent() && better(bestPruned, allocated) == allocated) {
            bestPruned = better(allocated, secondRound(allocated.get(), criterion, layers));
        }
        return bestPruned;
    }

    /** The one of lower objective value (fewer MACs, lower latency), preferring {@code a} on a tie. */
    private static Optional<Candidate> better(Optional<Candidate> a, Optional<Candidate> b) {
        if (b.isEmpty()) {
            return a;
        }
        if (a.isEmpty() || b.get().objective() < a.get().objective()) {
            return b;
        }
        return a;
    }

    /**
     * A second prune_channels step on top of {@code first} (within the limit), one threshold across the layers
     * (scope=global), its ratio by bisection; the last one within the limit, if any.
     */
    private Optional<Candidate> secondRound(Candidate first, String criterion, List<Search.Layer> layers) {
        double lo = 0;
        double hi = 0.5;
        Optional<Candidate> ok = Optional.empty();
        for (int i = 0; i < 3 && !s.stopped(); i++) {
            double r = Math.round((lo + hi) / 2 * 100) / 100.0;
            Optional<Candidate> c = s.evaluate("second round " + SizeSearch.pct(r), with(first.steps(),
                    new Step(globalStep(criterion, r, layers), "a second round after the first one's refit: "
                            + SizeSearch.pct(r) + " of the remaining channels by one threshold across the layers"
                            + " (criterion " + criterion + "), found by bisection on the selection split")));
            if (c.isEmpty()) {
                break;
            }
            if (s.within(c.get()) && c.get().objective() < first.objective()) {
                lo = r;
                ok = c;
            } else {
                hi = r;
            }
        }
        return ok;
    }

    /** One prune_channels step at {@code ratio} across {@code layers} with one threshold (scope=global). */
    static String globalStep(String criterion, double ratio, List<Search.Layer> layers) {
        return "prune_channels(criterion=" + criterion + ", compensate=true, calibration=calib, scope=global, ratio="
                + SizeSearch.pct(ratio) + ", layers=" + String.join(" + ", layers.stream().map(Search.Layer::selector)
                .toList()) + ")";
    }

    /** The criterion with the least loss at 30% of every layer, each criterion's probe, and its bisection. */
    private record Probed(String criterion, Map<String, Candidate> probes, Bisection bisection) {
    }

    static final double PROBE_RATIO = 0.3;

    /**
     * Each criterion at 30% of every layer. When the first (reconstruction) is within the limit, one step of its
     * ratio bisection runs before the other criterion is probed: on a busy machine that step is the answer the
     * time allows, and the probe of l1 comes after it.
     */
    private Probed probeCriteria(List<Step> prefix, List<Search.Layer> layers) {
        String criterion = "reconstruction";
        double bestLoss = Double.POSITIVE_INFINITY;
        Map<String, Candidate> probes = new LinkedHashMap<>();
        Map<String, Bisection> bisections = new LinkedHashMap<>();
        for (String c : List.of("reconstruction", "l1")) {
            Map<String, Double> uniform = new LinkedHashMap<>();
            layers.forEach(l -> uniform.put(l.name(), PROBE_RATIO));
            Optional<Candidate> cand = s.evaluate("criterion " + c + " at 30%",
                    with(prefix, new Step(step(c, uniform, layers), "30% of every layer's channels, criterion " + c
                            + " (consumers refit on the calibration split), probed against the other criterion")));
            if (cand.isEmpty()) {
                break;
            }
            probes.put(c, cand.get());
            Bisection b = new Bisection(cand.get(), PROBE_RATIO, s);
            bisections.put(c, b);
            if (cand.get().loss() < bestLoss) {
                bestLoss = cand.get().loss();
                criterion = c;
            }
            if (probes.size() == 1 && s.within(cand.get())) {
                bisectUniform(prefix, c, b, layers, 1);
            }
        }
        Bisection chosen = bisections.getOrDefault(criterion, new Bisection(null, PROBE_RATIO, s));
        return new Probed(criterion, probes, chosen);
    }

    /** The search for one ratio on every layer: the bracket [lo, hi] and the last candidate within the limit. */
    private static final class Bisection {
        double lo = 0;
        double hi = 0.8;
        Optional<Candidate> ok = Optional.empty();
        double lastLoss = Double.NaN;
        double lastRatio = Double.NaN;

        Bisection(Candidate probe, double probeRatio, Search s) {
            if (probe != null && s.within(probe)) {
                lo = probeRatio;
                ok = Optional.of(probe);
            } else {
                hi = probeRatio;
            }
            if (probe != null && probe.measurement().ok()) {
                lastLoss = probe.loss();
                lastRatio = probeRatio;
            }
        }

        /**
         * The next ratio: where a loss growing with the square of the ratio, through the last measured point,
         * reaches the limit — kept inside the bracket's middle half; the bracket's middle without a model.
         */
        double next(double limit) {
            double mid = (lo + hi) / 2;
            double r = mid;
            if (Double.isFinite(lastLoss) && lastLoss > 0 && lastRatio > 0) {
                r = lastRatio * Math.sqrt(limit / lastLoss);
            }
            double quarter = (hi - lo) / 4;
            r = Math.max(lo + quarter, Math.min(hi - quarter, r));
            return Math.round(r * 100) / 100.0;
        }
    }

    /** Up to {@code steps} bisection steps of one ratio on every layer; returns the last within the limit. */
    private Optional<Candidate> bisectUniform(List<Step> prefix, String criterion, Bisection b,
                                              List<Search.Layer> layers, int steps) {
        for (int i = 0; i < steps && !s.stopped() && b.hi - b.lo > 0.015; i++) {
            double r = b.next(s.limit());
            Map<String, Double> all = new LinkedHashMap<>();
            layers.forEach(l -> all.put(l.name(), r));
            Optional<Candidate> c = s.evaluate("uniform " + SizeSearch.pct(r), with(prefix, new Step(step(criterion, all,
                    layers), "one ratio for every layer, found by bisection on the selection split (criterion "
                    + criterion + ")")));
            if (c.isEmpty()) {
                break;
            }
            if (c.get().measurement().ok()) {
                b.lastLoss = c.get().loss();
                b.lastRatio = r;
            }
            if (s.within(c.get())) {
                b.lo = r;
                b.ok = c;
            } else {
                b.hi = r;
            }
        }
        return b.ok;
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
