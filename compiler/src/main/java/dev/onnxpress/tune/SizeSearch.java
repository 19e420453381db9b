package dev.onnxpress.tune;

import dev.onnxpress.tune.Candidate.Step;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The search for a small file: unstructured pruning per layer, a weight quantizer (k-means sharing at 4, 5,
 * 6 or 8 bits with nearest or compensated assignment, or int8 with minmax, percentile or entropy ranges)
 * with a sharing width per layer, then lossless packing. Every size is the packed file's, measured.
 *
 * <ol>
 *   <li>{@link #chooseQuantizer}: every quantizer is measured alone (with packing); those over the budget are
 *       avoided; the smallest one that leaves half the budget is the base.</li>
 *   <li>{@link #chooseVariant}: two pruning variants (magnitude masks with compensation; SparseGPT-style masks
 *       fitted to the input model) are compared at one uniform sparsity; the better one is used.</li>
 *   <li>{@link #sensitivity}: each layer alone up the sparsity ladder until it costs twice the budget.</li>
 *   <li>{@link #start}: greedy allocation by bytes saved per point of loss, or descent from the uniform probe,
 *       each verified jointly ({@link Search#allocate}, {@link Search#descend}).</li>
 *   <li>{@link #refine}: the joint search ({@link JointRefine}): per layer one bit less of sharing width, ternary
 *       weights instead of sharing, or more sparsity, each verified jointly; a failed sparsity step is retried
 *       half-way.</li>
 *   <li>{@link #alternatives}: the other quantizers on the result; the smallest within the limit wins. Then
 *       per-layer int8 ({@link #perLayerInt8}) on the layers the joint search could not narrow; float16 biases
 *       measured last, on the result.</li>
 * </ol>
 * Ternary layers and per-layer int8 not in the answer are named with why ({@link #noteUnusedFamilies}).
 */
final class SizeSearch {
    static final double[] SPARSITY = {0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97};
    static final int[] BITS = {4, 5, 6, 8};
    /** The uniform sparsity the pruning variants are compared at: high enough for them to differ. */
    static final double PROBE = 0.9;
    /**
     * The tolerance of every lossy step but the last: a floor against a broken step. The budget itself is the
     * last step's tolerance; a step between may be repaired by a later one (sharing fitted to the input model
     * repairs pruning), so the default {@code cosine >= 0.99} per step would reject what the end result holds.
     */
    static final String STEP_FLOOR = "cosine >= 0.9";

    private final Search s;
    private List<Step> finish = List.of();
    private final Map<Quantizer, Candidate> alone = new LinkedHashMap<>();
    /** Quantizers of the chosen width not measured alone (a cheaper one sufficed): tried on the result. */
    private final List<Quantizer> later = new ArrayList<>();
    private final Map<Quantizer, String> adopted = new LinkedHashMap<>();
    private Quantizer quant;
    private Candidate quantAlone;
    private Prune variant;
    private String variantWhy = "";
    private final Map<String, Search.Layer> byName = new LinkedHashMap<>();
    private Map<String, List<Allocation.Level>> ladders = new LinkedHashMap<>();
    private List<Step> extras = List.of();
    private final List<JointRefine> refines = new ArrayList<>();

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

    /** A weight quantizer: {@code share_weights} at a width, or {@code quantize_int8} (bits 8). */
    record Quantizer(String pass, int bits, String options) {
        boolean shares() {
            return pass.equals("share_weights");
        }

        /** The step text for these layers ({@code all}, or a selector; int8 always covers all). */
        String text(int width, String layers) {
            if (!shares()) {
                return pass + "(" + options + ")";
            }
            return "share_weights(bits=" + width + ", layers=" + layers + (options.isEmpty() ? "" : ", " + options) + ")";
        }

        Step step() {
            return Step.of(text(bits, "all"));
        }
    }

    /**
     * The steps with every lossy one but the last carrying the {@link #STEP_FLOOR} tolerance (the lossless
     * finish needs none; the last step answers to the budget).
     */
    List<Step> floors(List<Step> steps) {
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            boolean floor = i < steps.size() - 1 && !finish.contains(st);
            out.add(floor ? new Step(st.text() + "\n  tolerance { " + STEP_FLOOR + " }", st.why()) : st);
        }
        return out;
    }

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

    /**
     * Weight quantizers grouped by width, fewest bits first: sharing at 4, 5, 6, 8 bits, then int8; within a
     * width the cheap one first (nearest assignment needs no data; compensated assignment fitted to the input
     * model runs the model on the calibration slice once per layer, minutes on a convolutional net).
     */
    List<List<Quantizer>> quantizers() {
        List<List<Quantizer>> q = new ArrayList<>();
        if (s.settings.allows("share_weights")) {
            for (int b : BITS) {
                q.add(List.of(new Quantizer("share_weights", b, ""), new Quantizer("share_weights", b,
                        "assign=compensated, refit_bias=true, reference=input, calibration=calib")));
            }
        }
        if (s.settings.allows("quantize_int8")) {
            q.add(List.of("minmax", "percentile", "entropy").stream()
                    .map(m -> new Quantizer("quantize_int8", 8, "method=" + m + ", calibration=calib")).toList());
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
        search();
        noteUnusedFamilies();
    }

    private void search() {
        finish = finish();
        if (!finish.isEmpty()) {
            s.evaluate("lossless only", finish);
        }
        chooseQuantizer();
        List<Search.Layer> layers = eligible();
        layers.forEach(l -> byName.put(l.name(), l));
        chooseTernary(layers);
        if (layers.isEmpty() || !s.settings.allows("prune_magnitude")) {
            if (baseAlone() != null && !layers.isEmpty()) {
                withFp16(alternatives(refine(new SizePlan(Map.of(), widths), baseAlone(), false)), currentPlan);
            }
            return;
        }
        chooseVariant(layers);
        Optional<Candidate> plain = s.evaluate("lossless only", finish);
        if (plain.isEmpty()) {
            return;
        }
        ladders = sensitivity(layers, plain.get());
        if (s.stopped()) {
            return;
        }
        Optional<Candidate> start = start(layers);
        if (start.isEmpty()) {
            return;
        }
        withFp16(alternatives(refine(currentPlan, start.get(), true)), currentPlan);
    }

    // ------------------------------------------------------------------ 1. the quantizer

    /** Measures the quantizers alone, fewest bits first, up to the first width where one leaves half the budget. */
    void chooseQuantizer() {
        for (List<Quantizer> width : quantizers()) {
            if (s.stopped()) {
                break;
            }
            boolean fits = false;
            for (Quantizer q : width) {
                if (fits) {
                    // the cheaper one of this width already leaves half the budget: this one is measured on
                    // the pruned model at the end, where what it repairs shows (measured once: making the fitted
                    // one the base made lenet5's joint candidates two to three times dearer, 24.45x instead of
                    // 30.25x in a 30-min run)
                    later.add(q);
                    continue;
                }
                Optional<Candidate> c = s.evaluate("quantizer " + q.text(q.bits(), "all"),
                        floors(join(List.of(), List.of(q.step()), finish)));
                if (c.isPresent()) {
                    alone.put(q, c.get());
                    fits |= c.get().loss() <= s.limit() / 2;
                }
            }
            if (fits) {
                break;
            }
        }
        List<Map.Entry<Quantizer, Candidate>> usable = usable();
        for (Map.Entry<Quantizer, Candidate> e : alone.entrySet()) {
            if (!s.within(e.getValue())) {
                s.notes.put(e.getKey().text(e.getKey().bits(), "all"), "avoided: alone it costs "
                        + s.budget().describeLoss(e.getValue().loss()) + " on the selection split" + (Double.isFinite(
                        s.upper(e.getValue())) ? ", not accepted (loss + " + s.acceptance.z() + " SE = "
                        + Budget.num(Math.round(1e4 * s.upper(e.getValue())) / 1e4) + " > "
                        + Budget.num(s.acceptance.allowed()) + ")" : ""));
            }
        }
        // the quantizer pruning is planned behind: the smallest one that leaves half the budget for pruning
        Optional<Map.Entry<Quantizer, Candidate>> base = usable.stream()
                .filter(e -> e.getValue().loss() <= s.limit() / 2).findFirst()
                .or(() -> usable.stream().min(Comparator.comparingDouble(e -> e.getValue().loss())));
        base.ifPresent(e -> {
            quant = e.getKey();
            quantAlone = e.getValue();
        });
    }

    /** The quantizers within the limit alone, smallest first. */
    private List<Map.Entry<Quantizer, Candidate>> usable() {
        return alone.entrySet().stream().filter(e -> s.within(e.getValue()))
                .sorted(Comparator.comparingDouble(e -> e.getValue().objective())).toList();
    }

    private String quantizerWhy(Quantizer q) {
        Candidate c = alone.get(q);
        StringBuilder sb = new StringBuilder("alone (with packing) it measured " + s.budget().describeLoss(c.loss())
                + ", " + s.ratioText(c) + " on the selection split; of " + alone.size() + " quantizers measured");
        long avoided = alone.values().stream().filter(x -> !s.within(x)).count();
        if (avoided > 0) {
            sb.append(", ").append(avoided).append(" broke the budget alone and were avoided");
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ 1b. ternary layers under the quantizer

    /** The start's per-layer widths: the ternary layers chosen by {@link #chooseTernary}, else none. */
    private Map<String, Integer> widths = Map.of();
    private Candidate ternaryAlone;
    private final List<String> ternaryStarts = new ArrayList<>();

    /** The measurement the plan starts from: the ternary layers with the quantizer, else the quantizer alone. */
    private Candidate baseAlone() {
        return ternaryAlone != null ? ternaryAlone : quantAlone;
    }

    /**
     * Ternary layers as a size family, before pruning: ternary weights (per output channel, α fitted on the
     * calibration split) on every eligible layer, the sharing quantizer on the rest; else on every eligible layer
     * but the model's first and last weighted ones (the layers TWN keeps in float); else on the largest layer
     * alone, until one leaves half the budget for pruning: that one is the start, else the smallest within the
     * limit (and smaller than the quantizer alone); pruning and the joint search then work on it, and the joint
     * search still tries ternary per layer later.
     */
    void chooseTernary(List<Search.Layer> layers) {
        if (!s.settings.allows("quantize_ternary") || quant == null || !quant.shares() || quantAlone == null
                || layers.isEmpty()) {
            return;
        }
        List<Search.Layer> all = Search.layers(s.model);
        List<List<String>> sets = new ArrayList<>();
        sets.add(layers.stream().map(Search.Layer::name).toList());
        String first = all.get(0).name();
        String last = all.get(all.size() - 1).name();
        List<String> inner = layers.stream().map(Search.Layer::name).filter(l -> !l.equals(first) && !l.equals(last))
                .toList();
        if (!inner.isEmpty() && !sets.contains(inner)) {
            sets.add(inner);
        }
        List<String> largest = List.of(layers.stream().max(Comparator.comparingLong(Search.Layer::parameters))
                .orElseThrow().name());
        if (!sets.contains(largest)) {
            sets.add(largest);
        }
        for (List<String> set : sets) {
            Map<String, Integer> w = new LinkedHashMap<>();
            set.forEach(l -> w.put(l, JointRefine.TERNARY));
            Optional<Candidate> c = s.evaluate("ternary " + String.join(", ", set) + " + " + quant.text(quant.bits(), "all"),
                    compose(new SizePlan(Map.of(), w), quant));
            if (c.isEmpty()) {
                return;
            }
            String figures = c.get().measurement().ok() ? s.ratioText(c.get()) + ", "
                    + s.budget().describeLoss(c.get().loss()) : "failed";
            ternaryStarts.add(String.join(", ", set) + " ternary: " + figures);
            boolean smaller = c.get().measurement().ok() && s.within(c.get()) && c.get().objective() < quantAlone.objective();
            boolean roomy = smaller && c.get().loss() <= s.limit() / 2;
            // one that leaves half the budget for pruning wins over a smaller one that does not
            if (roomy || smaller && (ternaryAlone == null || c.get().objective() < ternaryAlone.objective())) {
                widths = w;
                ternaryAlone = c.get();
            }
            if (roomy) {
                break;
            }
        }
        if (ternaryAlone != null) {
            ternaryWhy = "ternary weights on " + String.join(", ", widths.keySet()) + " with the quantizer on the rest,"
                    + " before pruning: " + s.ratioText(ternaryAlone) + ", " + s.budget().describeLoss(ternaryAlone.loss())
                    + " on the selection split, against " + s.ratioText(quantAlone) + " for the quantizer alone"
                    + " (measured: " + String.join("; ", ternaryStarts) + ")";
        }
    }

    private String ternaryWhy = "";

    // ------------------------------------------------------------------ 2. the pruning variant

    private final Map<String, Candidate> probes = new LinkedHashMap<>();

    /** Both pruning variants at one uniform sparsity, behind the quantizer; the one of least loss is used. */
    void chooseVariant(List<Search.Layer> layers) {
        variant = PRUNES.get(0);
        double bestLoss = Double.POSITIVE_INFINITY;
        Map<String, Double> uniform = new LinkedHashMap<>();
        reversed(layers).forEach(l -> uniform.put(l.name(), PROBE));
        for (Prune p : PRUNES) {
            variant = p;
            Optional<Candidate> c = s.evaluate("prune variant " + p.id() + " at " + pct(PROBE),
                    compose(new SizePlan(uniform, widths), quant));
            if (c.isPresent()) {
                probes.put(p.id(), c.get());
                if (c.get().loss() < bestLoss) {
                    bestLoss = c.get().loss();
                }
            }
        }
        double least = bestLoss;
        variant = PRUNES.stream().filter(p -> probes.containsKey(p.id()) && probes.get(p.id()).loss() == least)
                .findFirst().orElse(PRUNES.get(0));
        variantWhy = "pruning variant " + variant.id() + " (" + variant.description() + "): at " + pct(PROBE)
                + " on every layer, behind the quantizer, "
                + String.join(", ", probes.entrySet().stream().map(e -> e.getKey() + " "
                        + s.budget().describeLoss(e.getValue().loss())).toList()) + " on the selection split";
    }

    // ------------------------------------------------------------------ 3. per-layer sensitivity

    /**
     * Each layer alone, pruned with the chosen variant and packed, no quantizer (sharing fitted to the input
     * model is by far the slowest step): it ranks the layers; the joint verification decides.
     */
    Map<String, List<Allocation.Level>> sensitivity(List<Search.Layer> layers, Candidate plain) {
        Map<String, List<Allocation.Level>> out = new LinkedHashMap<>();
        int start = 2;
        for (Search.Layer l : reversed(layers)) {
            List<Allocation.Level> ladder = new ArrayList<>();
            for (int i = start; i < SPARSITY.length; i++) {
                Optional<Allocation.Level> level = level(l, SPARSITY[i], plain);
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
                    Optional<Allocation.Level> level = level(l, SPARSITY[i], plain);
                    if (level.isEmpty()) {
                        break;
                    }
                    ladder.add(0, level.get());
                    if (level.get().loss() <= s.limit() / 2) {
                        break;
                    }
                }
            }
            out.put(l.name(), ladder);
        }
        return out;
    }

    private Optional<Allocation.Level> level(Search.Layer l, double sp, Candidate baseline) {
        return s.evaluate("sensitivity " + l.name() + " " + pct(sp),
                floors(join(List.of(Step.of(pruneStep(variant, l, sp))), List.of(), finish))).map(c ->
                new Allocation.Level(pct(sp), sp, baseline.objective() - c.objective(), c.loss() - baseline.loss()));
    }

    // ------------------------------------------------------------------ 4. the starting point

    private SizePlan currentPlan = new SizePlan(Map.of(), Map.of());

    /** Allocation (or descent from the uniform probe), verified jointly, backed off layer by layer. */
    Optional<Candidate> start(List<Search.Layer> layers) {
        Allocation alloc = new Allocation(ladders, Math.max(1e-9, s.limit() * 0.02));
        java.util.function.Function<Map<String, Allocation.Level>, List<Step>> compose = choice -> {
            currentPlan = planOf(choice, layers);
            return compose(currentPlan, quant);
        };
        Candidate top = probes.get(variant.id());
        Optional<Candidate> ok;
        if (top != null && top.loss() <= 2 * s.limit()) {
            // the uniform probe is near the budget: start there and step down the dearest layers
            for (Map.Entry<String, List<Allocation.Level>> e : ladders.entrySet()) {
                int index = -1;
                for (int i = 0; i < e.getValue().size(); i++) {
                    if (e.getValue().get(i).value() <= PROBE + 1e-9) {
                        index = i;
                    }
                }
                alloc.set(e.getKey(), index);
            }
            ok = s.descend(alloc, compose, "size");
        } else {
            double base = baseAlone() == null ? 0 : Math.max(0, baseAlone().loss());
            ok = s.allocate(alloc, Math.max(0, s.limit() - base), compose, "size");
        }
        // the plan of the candidate returned (the last one composed may have been undone)
        ok.ifPresent(c -> currentPlan = planOf(alloc.choice(), layers));
        return ok;
    }

    private SizePlan planOf(Map<String, Allocation.Level> choice, List<Search.Layer> layers) {
        Map<String, Double> sp = new LinkedHashMap<>();
        for (Search.Layer l : reversed(layers)) {
            sp.put(l.name(), choice.containsKey(l.name()) ? choice.get(l.name()).value() : 0.0);
        }
        return new SizePlan(sp, widths);
    }

    /**
     * Float16 biases measured last, on the result: they save a few hundred bytes. Storage only: every op stays
     * float32 ({@code block=["*"]}); converting the ops too made ONNX Runtime run lenet300's Gemms in float16,
     * 126× slower at batch 1 on CPU, and every candidate carrying it 4× dearer to measure. Kept when within the
     * limit and smaller.
     */
    private Candidate withFp16(Candidate start, SizePlan plan) {
        if (!s.settings.allows("convert_fp16")) {
            return start;
        }
        List<Step> saved = extras;
        extras = List.of(new Step("convert_fp16(min_cast_elements=100, block=[\"*\"])",
                "the remaining float32 constants (biases) stored as float16 behind a Cast; every op keeps computing"
                + " in float32 (ONNX Runtime folds the Casts at load)"));
        Optional<Candidate> c = s.evaluate("result + fp16 biases", compose(plan, quant));
        if (c.isPresent() && s.within(c.get()) && c.get().objective() < start.objective()) {
            return c.get();
        }
        extras = saved;
        return start;
    }

    // ------------------------------------------------------------------ 5. the joint search

    /** Refines the plan jointly from {@code at} (its measurement); returns the best candidate reached. */
    Candidate refine(SizePlan plan, Candidate at, boolean pruning) {
        Map<String, Long> params = new LinkedHashMap<>();
        byName.values().forEach(l -> params.put(l.name(), l.parameters()));
        int base = quant != null && quant.shares() ? quant.bits() : 0;
        JointRefine refine = new JointRefine(params, base, pruning ? SPARSITY : null, s.settings.allows("quantize_ternary"),
                (label, p) -> s.evaluate(label, compose(p, quant)), s::within);
        refines.add(refine);
        Candidate best = refine.run(plan, at);
        currentPlan = refine.plan();
        return best;
    }

    // ------------------------------------------------------------------ 6. other quantizers

    /**
     * The other quantizers on the refined plan: those of the same width not measured alone (per-layer widths
     * kept), and those within the limit alone (at one width). One that is smaller, or holds the limit with
     * clearly less loss at about the same size, replaces the quantizer and the joint search runs again from
     * there (its loss leaves room for moves the first search had to reject).
     */
    Candidate alternatives(Candidate best) {
        List<Quantizer> others = new ArrayList<>(later);
        for (Map.Entry<Quantizer, Candidate> e : usable()) {
            if (!e.getKey().equals(quant) && quantAlone != null && e.getValue().objective() <= 1.1 * quantAlone.objective()) {
                others.add(e.getKey());
            }
        }
        for (Quantizer q : others) {
            boolean sameWidth = quant != null && q.shares() && quant.shares() && q.bits() == quant.bits();
            Map<String, Integer> keep = new LinkedHashMap<>();
            currentPlan.bits().forEach((l, b) -> {
                if (b == JointRefine.TERNARY && q.shares()) {
                    keep.put(l, b);
                }
            });
            SizePlan plan = sameWidth ? currentPlan : new SizePlan(currentPlan.sparsity(), keep);
            Optional<Candidate> c = s.evaluate("refined + " + q.text(q.bits(), "all"), compose(plan, q));
            if (c.isEmpty()) {
                return best;
            }
            boolean smaller = c.get().objective() < best.objective();
            // clearly further from the budget by the acceptance rule's figure (loss + z SE)
            boolean roomier = s.upper(c.get()) < s.upper(best) - 0.2 * s.limit()
                    && c.get().objective() <= 1.02 * best.objective();
            if (s.within(c.get()) && (smaller || roomier)) {
                adopted.put(q, "measured on the refined plan in place of " + quant.text(quant.bits(), "all") + ": "
                        + s.ratioText(c.get()) + ", " + s.budget().describeLoss(c.get().loss()) + " against "
                        + s.ratioText(best) + ", " + s.budget().describeLoss(best.loss()) + "; the joint search went on from there");
                quant = q;
                best = refine(plan, c.get(), !byName.isEmpty() && s.settings.allows("prune_magnitude"));
            }
        }
        return perLayerInt8(best);
    }

    /** Layers given int8 weights (and activations) in place of sharing; empty unless {@link #perLayerInt8} paid. */
    private List<String> int8Layers = List.of();
    private String int8Why = "";

    /**
     * Mixed precision per layer: the layers whose narrower sharing width the joint search measured and rejected
     * get int8 (per-channel weights, calibrated activations) instead of sharing, measured once on the refined
     * plan; kept on the same terms as another quantizer (smaller, or clearly roomier at about the same size).
     */
    Candidate perLayerInt8(Candidate best) {
        if (!s.settings.allows("quantize_int8") || quant == null || !quant.shares() || s.stopped()) {
            return best;
        }
        List<String> sensitive = new ArrayList<>();
        for (String l : byName.keySet()) {
            boolean rejected = refines.stream().flatMap(r -> r.history(l).stream()).anyMatch(t -> t.move().bits()
                    && t.move().to() != JointRefine.TERNARY && !t.kept());
            if (rejected && currentPlan.bitsOf(l, quant.bits()) != JointRefine.TERNARY) {
                sensitive.add(l);
            }
        }
        if (sensitive.isEmpty()) {
            s.notes.put("quantize_int8 per layer", "not measured: no layer's narrower sharing width was rejected by the"
                    + " joint search, so no layer asked for more precision than sharing gives");
            return best;
        }
        int8Layers = sensitive;
        int8Why = "";
        Optional<Candidate> c = s.evaluate("refined + int8 on " + String.join(", ", sensitive), compose(currentPlan, quant));
        if (c.isPresent() && s.within(c.get()) && (c.get().objective() < best.objective()
                || s.upper(c.get()) < s.upper(best) - 0.2 * s.limit() && c.get().objective() <= 1.02 * best.objective())) {
            int8Why = "int8 in place of sharing on the layers whose narrower width the joint search rejected, measured"
                    + " on the refined plan: " + s.ratioText(c.get()) + ", " + s.budget().describeLoss(c.get().loss())
                    + " against " + s.ratioText(best) + ", " + s.budget().describeLoss(best.loss());
            return c.get();
        }
        int8Layers = List.of();
        s.notes.put("quantize_int8 per layer", c.map(x -> "measured on the refined plan for " + String.join(", ", sensitive)
                + " (the layers whose narrower sharing width the joint search rejected): " + (x.measurement().ok()
                ? s.ratioText(x) + ", " + s.budget().describeLoss(x.loss()) : "failed") + " against " + s.ratioText(best)
                + ", " + s.budget().describeLoss(best.loss()) + " with sharing; not smaller, nor roomier at the same size")
                .orElse("not measured: the search stopped at --time first"));
        return best;
    }

    /** Ternary layers and per-layer int8 not in the answer, named with why. */
    private void noteUnusedFamilies() {
        if (s.settings.allows("quantize_int8") && int8Layers.isEmpty()) {
            s.notes.putIfAbsent("quantize_int8 per layer", s.stopped() ? "not measured: the search stopped at --time"
                    + " before it" : "not tried: per-layer int8 replaces a sharing width, and the quantizer chosen"
                    + " does not share" + (quant == null ? " (none held the budget)" : " (" + quant.pass() + ")"));
        }
        if (!s.settings.allows("quantize_ternary")) {
            return;
        }
        boolean used = s.best().map(b -> b.texts().stream().anyMatch(t -> t.startsWith("quantize_ternary")))
                .orElse(false);
        if (used) {
            return;
        }
        List<String> tried = new ArrayList<>();
        for (String l : byName.keySet()) {
            for (JointRefine.Tried t : refines.stream().flatMap(r -> r.history(l).stream()).toList()) {
                if (t.move().bits() && t.move().to() == JointRefine.TERNARY) {
                    tried.add(l + " " + (t.kept() ? "kept, then undone by a later choice" : "rejected") + " ("
                            + (t.candidate().measurement().ok() ? s.ratioText(t.candidate()) + ", " : "")
                            + s.budget().describeLoss(t.candidate().loss()) + ")");
                }
            }
        }
        String why;
        if (!ternaryStarts.isEmpty()) {
            why = "measured before pruning, with the quantizer on the other layers (kept only when within the limit"
                    + " and smaller than the quantizer alone): " + String.join("; ", ternaryStarts)
                    + (tried.isEmpty() ? "" : "; per layer in the joint search: " + String.join("; ", tried));
        } else if (!tried.isEmpty()) {
            why = "measured per layer in the joint search, each with every other choice: " + String.join("; ", tried);
        } else if (quant == null || !quant.shares()) {
            why = "not tried: ternary layers are searched as the step below a sharing width, and the quantizer chosen"
                    + " does not share" + (quant == null ? " (none held the budget)" : " (" + quant.pass() + ")");
        } else if (s.stopped()) {
            why = "not measured: the search stopped at --time before the joint search tried a ternary layer";
        } else {
            why = "not measured: the joint search found no ternary move it expected to pay";
        }
        s.notes.put("quantize_ternary", why);
    }

    // ------------------------------------------------------------------ composing a recipe

    /** The steps of a plan: prune steps (later layers first), sharing per width, then extras and packing. */
    List<Step> compose(SizePlan p, Quantizer q) {
        List<Step> steps = new ArrayList<>();
        boolean first = true;
        for (Map.Entry<String, Double> e : p.sparsity().entrySet()) {
            if (e.getValue() <= 0) {
                continue;
            }
            String why = pruneWhy(e.getKey(), e.getValue());
            steps.add(new Step(pruneStep(variant, byName.get(e.getKey()), e.getValue()),
                    first ? variantWhy + ". " + why : why));
            first = false;
        }
        if (q != null) {
            steps.addAll(quantSteps(p, q));
        }
        return floors(join(steps, extras, finish));
    }

    /** One sharing step per width given to some layers (fewest bits first), then the quantizer on the rest. */
    private List<Step> quantSteps(SizePlan p, Quantizer q) {
        List<Step> steps = new ArrayList<>();
        if (q.shares() && !int8Layers.isEmpty()) {
            String sel = String.join(" + ", int8Layers.stream().map(l -> byName.get(l).selector()).toList());
            steps.add(new Step("quantize_int8(layers=" + sel + ", calibration=calib)", int8Why));
        }
        if (q.shares()) {
            List<String> ternary = p.bits().entrySet().stream().filter(e -> e.getValue() == JointRefine.TERNARY)
                    .map(Map.Entry::getKey).toList();
            if (!ternary.isEmpty()) {
                String sel = String.join(" + ", ternary.stream().map(l -> byName.get(l).selector()).toList());
                List<String> why = new ArrayList<>();
                ternary.stream().filter(l -> !jointWhy(l, true).isEmpty()).forEach(l -> why.add(l + ": " + jointWhy(l, true)));
                steps.add(new Step(ternaryStep(sel), "ternary weights {-α, 0, +α} per output channel (α fitted on"
                        + " the calibration split) instead of sharing" + (ternaryWhy.isEmpty() ? "" : "; " + ternaryWhy)
                        + (why.isEmpty() ? "" : "; in the joint search: " + String.join("; ", why))));
            }
            Map<Integer, List<String>> byWidth = new TreeMap<>();
            p.bits().forEach((layer, b) -> {
                if (b != q.bits() && b != JointRefine.TERNARY && !int8Layers.contains(layer)) {
                    byWidth.computeIfAbsent(b, k -> new ArrayList<>()).add(layer);
                }
            });
            for (Map.Entry<Integer, List<String>> e : byWidth.entrySet()) {
                String sel = String.join(" + ", e.getValue().stream().map(l -> byName.get(l).selector()).toList());
                List<String> why = new ArrayList<>();
                e.getValue().forEach(l -> why.add(l + ": " + jointWhy(l, true)));
                steps.add(new Step(q.text(e.getKey(), sel), "a width of its own, " + e.getKey()
                        + " bits, measured jointly: " + String.join("; ", why)));
            }
        }
        steps.add(q.step().because(alone.containsKey(q) ? quantizerWhy(q) : adopted.getOrDefault(q, "")));
        return steps;
    }

    private String pruneWhy(String layer, double sp) {
        Search.Layer l = byName.get(layer);
        StringBuilder why = new StringBuilder(String.format(Locale.ROOT, "%s (%,d weights)", l.name(), l.parameters()));
        List<Allocation.Level> ladder = ladders.getOrDefault(layer, List.of());
        for (int i = 0; i < ladder.size(); i++) {
            Allocation.Level v = ladder.get(i);
            if (Math.abs(v.value() - sp) < 1e-9) {
                why.append(String.format(Locale.ROOT, " pruned alone at %s (packed, no quantizer): %s, %,.0f bytes saved",
                        v.label(), s.budget().describeLoss(v.loss()), v.gain()));
                if (i + 1 < ladder.size()) {
                    why.append("; ").append(ladder.get(i + 1).label()).append(" cost ")
                            .append(s.budget().describeLoss(ladder.get(i + 1).loss()));
                }
            }
        }
        String joint = jointWhy(layer, false);
        if (!joint.isEmpty()) {
            why.append("; ").append(joint);
        }
        return why.toString();
    }

    /** The joint search's trials for a layer, in words (empty before it ran). */
    private String jointWhy(String layer, boolean bits) {
        List<String> parts = new ArrayList<>();
        for (JointRefine.Tried t : refines.stream().flatMap(r -> r.history(layer).stream()).toList()) {
            if (t.move().bits() == bits) {
                parts.add((bits ? (t.move().to() == JointRefine.TERNARY ? "ternary" : (int) t.move().to() + " bits")
                        : pct(t.move().to())) + (t.kept() ? " kept" : " rejected")
                        + " (" + (t.candidate().measurement().ok() ? s.ratioText(t.candidate()) + ", " : "")
                        + s.budget().describeLoss(t.candidate().loss()) + ")");
            }
        }
        return parts.isEmpty() ? "" : "measured jointly with every other choice: " + String.join(", ", parts);
    }

    static String ternaryStep(String layers) {
        return "quantize_ternary(layers=" + layers + ", refit_scale=true, calibration=calib, keep_first_last=false)";
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
