package dev.onnxpress.tune;

import dev.onnxpress.tune.Candidate.Step;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The search for a small file: unstructured pruning per layer, a weight quantizer (k-means sharing at 4, 5,
 * 6 or 8 bits with nearest or compensated assignment, or int8 with minmax, percentile or entropy ranges),
 * then lossless packing.
 *
 * <ol>
 *   <li>Every quantizer is measured alone (with packing); those over the budget are avoided.</li>
 *   <li>Two pruning variants (magnitude masks with compensation; SparseGPT-style masks fitted to the input
 *       model) are compared at one uniform sparsity; the better one is used.</li>
 *   <li>Per-layer sensitivity: each layer alone up the sparsity ladder, behind the chosen quantizer, until it
 *       costs twice the budget.</li>
 *   <li>Greedy allocation by bytes saved per point of loss, joint verification, back-off and push
 *       ({@link Search#allocate}).</li>
 *   <li>The other quantizers and float16 biases are tried on the result; the smallest within budget wins.</li>
 * </ol>
 */
final class SizeSearch {
    static final double[] SPARSITY = {0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97};
    static final int[] BITS = {4, 5, 6, 8};
    /** The uniform sparsity the pruning variants are compared at: high enough for them to differ. */
    static final double PROBE = 0.9;

    private final Search s;

    SizeSearch(Search s) {
        this.s = s;
    }

    record Prune(String id, String options, String description) {
    }

    static final List<Prune> PRUNES = List.of(
            new Prune("magnitude", "compensate=true, calibration=calib",
                    "magnitude masks, survivors refit by least squares on the calibration split"),
            new Prune("obs", "compensate=true, refit_bias=true, criterion=obs, reference=input, weigh_outputs=true,"
                    + " calibration=calib", "SparseGPT-style masks with bias refit, fitted to the input model's outputs"));

    List<Step> finish() {
        List<Step> f = new ArrayList<>();
        if (s.settings.allows("pack_huffman")) {
            f.add(new Step("pack_huffman(min_bytes=256)", "lossless: canonical Huffman coding of the weights"));
        }
        if (s.settings.allows("strip_docs")) {
            f.add(new Step("strip_docs(names=compact, keep_producer=false)",
                    "lossless: doc strings and long internal names are bytes too"));
        }
        return f;
    }

    /** Weight quantizers grouped by width, fewest bits first: sharing at 4, 5, 6, 8 bits, then int8. */
    List<List<Step>> quantizers() {
        List<List<Step>> q = new ArrayList<>();
        if (s.settings.allows("share_weights")) {
            for (int b : BITS) {
                q.add(List.of(Step.of("share_weights(bits=" + b + ", layers=all, assign=compensated, refit_bias=true,"
                                + " reference=input, calibration=calib)"),
                        Step.of("share_weights(bits=" + b + ", layers=all)")));
            }
        }
        if (s.settings.allows("quantize_int8")) {
            q.add(List.of("minmax", "percentile", "entropy").stream()
                    .map(m -> Step.of("quantize_int8(method=" + m + ", calibration=calib)")).toList());
        }
        return q;
    }

    static List<Step> join(List<Step> a, List<Step> b, List<Step> c) {
        List<Step> out = new ArrayList<>(a);
        out.addAll(b);
        out.addAll(c);
        return out;
    }

    void run() {
        List<Step> finish = finish();
        if (!finish.isEmpty()) {
            s.evaluate("lossless only", finish);
        }
        // 1. quantizers alone, fewest bits first; stop at the first width where one leaves half the budget
        Map<Step, Candidate> alone = quantizersAlone(finish);
        List<Map.Entry<Step, Candidate>> usable = alone.entrySet().stream().filter(e -> s.within(e.getValue()))
                .sorted(Comparator.comparingDouble(e -> e.getValue().objective())).toList();
        for (Map.Entry<Step, Candidate> e : alone.entrySet()) {
            if (!s.within(e.getValue())) {
                s.notes.put(e.getKey().text(), "avoided: alone it costs " + s.budget().describeLoss(e.getValue().loss())
                        + " on the selection split, over the search limit");
            }
        }
        // the quantizer pruning is planned behind: the smallest one that leaves half the budget for pruning
        Optional<Map.Entry<Step, Candidate>> base = usable.stream()
                .filter(e -> e.getValue().loss() <= s.limit() / 2).findFirst();
        if (base.isEmpty()) {
            base = usable.stream().min(Comparator.comparingDouble(e -> e.getValue().loss()));
        }
        List<Step> quant = base.map(e -> List.of(e.getKey().because(quantizerWhy(e.getKey(), e.getValue(), alone))))
                .orElse(List.of());
        Candidate baseline = base.map(Map.Entry::getValue).orElse(null);
        if (baseline == null) {
            baseline = s.evaluate("lossless only", finish).orElse(null);
        }
        if (!s.settings.allows("prune_magnitude") || baseline == null) {
            return;
        }
        List<Search.Layer> layers = eligible();
        if (layers.isEmpty()) {
            return;
        }
        // 2. the pruning variant: both at one uniform sparsity, behind the quantizer
        Variant variant = chooseVariant(layers, quant, finish);
        Prune prune = variant.prune();
        String variantWhy = variant.why();
        // 3. per-layer sensitivity: each layer alone, pruned with the chosen variant and packed, no quantizer
        //    (sharing fitted to the input model is by far the slowest step); it ranks the layers, the joint
        //    verification below decides
        Candidate plain = s.evaluate("lossless only", finish).orElse(null);
        if (plain == null) {
            return;
        }
        Prune probe = prune;
        Map<String, List<Allocation.Level>> ladders = new LinkedHashMap<>();
        for (Search.Layer l : reversed(layers)) {
            ladders.put(l.name(), ladder(probe, l, finish, plain));
        }
        if (s.stopped()) {
            return;
        }
        // 4. allocation, joint verification, back-off and push
        Allocation alloc = new Allocation(ladders, Math.max(1e-9, s.limit() * 0.02));
        Prune chosen = prune;
        List<Step> q = quant;
        Map<String, Search.Layer> byName = new LinkedHashMap<>();
        layers.forEach(l -> byName.put(l.name(), l));
        Optional<Candidate> pruned = s.allocate(alloc, Math.max(0, s.limit() - Math.max(0, baseline.loss())),
                choice -> join(pruneSteps(chosen, choice, byName, ladders, variantWhy), q, finish), "size");
        if (pruned.isEmpty()) {
            return;
        }
        // 5. other quantizers and float16 biases on the pruned model
        List<Step> pruneSteps = pruneSteps(chosen, alloc.choice(), byName, ladders, variantWhy);
        Candidate best = bestQuantizerOnPruned(pruned.get(), usable, quant, base, alone, pruneSteps, finish);
        if (s.settings.allows("convert_fp16")) {
            List<Step> steps = new ArrayList<>(best.steps().subList(0, best.steps().size() - finish.size()));
            steps.add(new Step("convert_fp16(min_cast_elements=100)",
                    "the remaining float32 constants (biases) stored as float16 behind a Cast"));
            s.evaluate("pruned + fp16 biases", join(steps, List.of(), finish));
        }
    }

    /** 1. Quantizers alone, fewest bits first; stops at the first width where one leaves half the budget. */
    private Map<Step, Candidate> quantizersAlone(List<Step> finish) {
        Map<Step, Candidate> alone = new LinkedHashMap<>();
        List<List<Step>> widths = quantizers();
        for (List<Step> width : widths) {
            if (s.stopped()) {
                break;
            }
            boolean fits = false;
            for (Step q : width) {
                Optional<Candidate> c = s.evaluate("quantizer " + q.text(), join(List.of(), List.of(q), finish));
                if (c.isPresent()) {
                    alone.put(q, c.get());
                    fits |= c.get().loss() <= s.limit() / 2;
                }
            }
            if (fits) {
                break;
            }
        }
        return alone;
    }

    /** The pruning variant chosen and why. */
    private record Variant(Prune prune, String why) {
    }

    /** 2. The pruning variant: each at one uniform sparsity, behind the quantizer; the least loss wins. */
    private Variant chooseVariant(List<Search.Layer> layers, List<Step> quant, List<Step> finish) {
        Prune prune = PRUNES.get(0);
        double bestLoss = Double.POSITIVE_INFINITY;
        Map<String, Candidate> probes = new LinkedHashMap<>();
        for (Prune p : PRUNES) {
            List<Step> steps = new ArrayList<>();
            for (Search.Layer l : reversed(layers)) {
                steps.add(new Step(pruneStep(p, l, PROBE), "uniform probe of the pruning variant " + p.id() + " ("
                        + p.description() + ") at " + pct(PROBE) + " on every prunable layer"));
            }
            Optional<Candidate> c = s.evaluate("prune variant " + p.id() + " at " + pct(PROBE), join(steps, quant, finish));
            if (c.isPresent()) {
                probes.put(p.id(), c.get());
                if (c.get().loss() < bestLoss) {
                    bestLoss = c.get().loss();
                    prune = p;
                }
            }
        }
        String variantWhy = "pruning variant " + prune.id() + " (" + prune.description() + "): at " + pct(PROBE)
                + " on every layer, behind the quantizer, "
                + String.join(", ", probes.entrySet().stream().map(e -> e.getKey() + " "
                        + s.budget().describeLoss(e.getValue().loss())).toList()) + " on the selection split";
        return new Variant(prune, variantWhy);
    }

    /**
     * 3. One layer's sensitivity ladder: its losses alone at rising sparsities (pruned with {@code probe} and
     * packed), from the third level up until the loss passes twice the limit; lower levels too when the first
     * already costs too much.
     */
    private List<Allocation.Level> ladder(Prune probe, Search.Layer l, List<Step> finish, Candidate plain) {
        List<Allocation.Level> ladder = new ArrayList<>();
        int start = 2;
        for (int i = start; i < SPARSITY.length; i++) {
            Optional<Allocation.Level> level = level(probe, l, SPARSITY[i], finish, plain);
            if (level.isEmpty()) {
                break;
            }
            ladder.add(level.get());
            if (level.get().loss() > 2 * s.limit()) {
                break;
            }
        }
        if (!ladder.isEmpty() && ladder.get(0).loss() > s.limit()) {
            // the first level already costs too much: measure the lower ones too
            for (int i = start - 1; i >= 0; i--) {
                Optional<Allocation.Level> level = level(probe, l, SPARSITY[i], finish, plain);
                if (level.isEmpty()) {
                    break;
                }
                ladder.add(0, level.get());
                if (level.get().loss() <= s.limit() / 2) {
                    break;
                }
            }
        }
        return ladder;
    }

    /** 5. The other usable quantizers on the pruned model: the smallest candidate within the limit. */
    private Candidate bestQuantizerOnPruned(Candidate pruned, List<Map.Entry<Step, Candidate>> usable,
            List<Step> quant, Optional<Map.Entry<Step, Candidate>> base, Map<Step, Candidate> alone,
            List<Step> pruneSteps, List<Step> finish) {
        Candidate best = pruned;
        for (Map.Entry<Step, Candidate> e : usable) {
            if (!quant.isEmpty() && e.getKey().text().equals(quant.get(0).text())
                    || e.getValue().objective() > 1.1 * base.get().getValue().objective()) {
                continue;
            }
            Optional<Candidate> c = s.evaluate("pruned + " + e.getKey().text(),
                    join(pruneSteps, List.of(e.getKey().because(quantizerWhy(e.getKey(), e.getValue(), alone))), finish));
            if (c.isPresent() && s.within(c.get()) && c.get().objective() < best.objective()) {
                best = c.get();
            }
        }
        return best;
    }

    private Optional<Allocation.Level> level(Prune prune, Search.Layer l, double sp, List<Step> finish,
                                             Candidate baseline) {
        return s.evaluate("sensitivity " + l.name() + " " + pct(sp),
                join(List.of(Step.of(pruneStep(prune, l, sp))), List.of(), finish)).map(c ->
                new Allocation.Level(pct(sp), sp, baseline.objective() - c.objective(), c.loss() - baseline.loss()));
    }

    private String quantizerWhy(Step q, Candidate c, Map<Step, Candidate> alone) {
        StringBuilder sb = new StringBuilder("alone (with packing) it measured " + s.budget().describeLoss(c.loss())
                + ", " + s.ratioText(c) + " on the selection split; of " + alone.size() + " quantizers measured");
        long avoided = alone.values().stream().filter(x -> !s.within(x)).count();
        if (avoided > 0) {
            sb.append(", ").append(avoided).append(" broke the budget alone and were avoided");
        }
        return sb.toString();
    }

    private List<Step> pruneSteps(Prune p, Map<String, Allocation.Level> choice, Map<String, Search.Layer> byName,
                                  Map<String, List<Allocation.Level>> ladders, String variantWhy) {
        List<Step> steps = new ArrayList<>();
        boolean first = true;
        for (Map.Entry<String, Allocation.Level> e : choice.entrySet()) {
            Search.Layer l = byName.get(e.getKey());
            List<Allocation.Level> ladder = ladders.get(e.getKey());
            int i = 0;
            while (i < ladder.size() && !ladder.get(i).label().equals(e.getValue().label())) {
                i++;
            }
            StringBuilder why = new StringBuilder();
            if (first) {
                why.append(variantWhy).append(". ");
                first = false;
            }
            why.append(String.format(Locale.ROOT, "%s (%,d weights) pruned alone at %s (packed, no quantizer): %s, %,.0f bytes saved", l.name(),
                    l.parameters(), e.getValue().label(), s.budget().describeLoss(e.getValue().loss()),
                    e.getValue().gain()));
            if (i + 1 < ladder.size()) {
                why.append("; ").append(ladder.get(i + 1).label()).append(" cost ")
                        .append(s.budget().describeLoss(ladder.get(i + 1).loss()));
            }
            steps.add(new Step(pruneStep(p, l, e.getValue().value()), why.toString()));
        }
        return steps;
    }

    static String pruneStep(Prune p, Search.Layer l, double sparsity) {
        return "prune_magnitude(sparsity=" + pct(sparsity) + ", layers=" + l.selector() + ", " + p.options() + ")";
    }

    /** Layers worth pruning: at least 256 weights and 0.5% of all. */
    private List<Search.Layer> eligible() {
        List<Search.Layer> all = Search.layers(s.model);
        long total = all.stream().mapToLong(Search.Layer::parameters).sum();
        return all.stream().filter(l -> l.parameters() >= Math.max(256, total / 200)).toList();
    }

    /** Later layers first: a pruned layer's unread inputs are then pruned first in the layer before. */
    static <T> List<T> reversed(List<T> list) {
        List<T> r = new ArrayList<>(list);
        java.util.Collections.reverse(r);
        return r;
    }

    static String pct(double v) {
        String t = String.format(Locale.ROOT, "%.2f", v * 100).replaceAll("0+$", "").replaceAll("\\.$", "");
        return t + "%";
    }
}
