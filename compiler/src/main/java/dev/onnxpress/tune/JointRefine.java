package dev.onnxpress.tune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The joint search around a composed size recipe that holds the limit. The moves are one step more
 * sparsity on a layer and one bit less in a layer's sharing width; each is composed with every other choice
 * and measured jointly, and kept only when the whole still holds the limit and is smaller. The moves are
 * tried in the order of the bits they are expected to save (a layer's stored weights are roughly its
 * non-zero count times its width plus the run-length gap code), and after every kept move the order is made
 * again from the new plan.
 *
 * <p>A sparsity step that breaks the limit is not a permanent cap: that sparsity becomes the layer's ceiling
 * and the next try goes half-way to it (bisection down to {@link #MIN_STEP}), so a layer stopped at 85 % by a
 * failed 90 % still gets 87.5 % and 89 % tried. A width that breaks the limit is not tried again for that
 * layer (the finest width step is one bit).
 *
 * <p>With ternary layers allowed, a layer may also leave the sharing for ternary weights ({@link #TERNARY}: the
 * plan's width 0): {-α, 0, +α} per output channel, α fitted on the calibration data. Its expected saving counts
 * a ternary non-zero at {@link #TERNARY_BITS}; a rejected ternary move is not tried again for that layer, and
 * a ternary layer takes no further width moves.
 */
final class JointRefine {
    /** Sparsity steps below this (one percentage point) are not tried. */
    static final double MIN_STEP = 0.01;
    static final double MAX_SPARSITY = 0.99;
    static final int MIN_BITS = 2;
    /** Bits per non-zero weight the gap code costs, roughly, at the sparsities the search reaches. */
    static final double GAP_BITS = 4;
    /** The plan's width for a ternary layer. */
    static final int TERNARY = 0;
    /** Bits a ternary weight costs once Huffman-coded, roughly (three values, zero the commonest). */
    static final double TERNARY_BITS = 1.5;

    /** Composes a plan and measures it jointly; empty once the deadline stops the search. */
    interface Trial {
        Optional<Candidate> measure(String label, SizePlan plan);
    }

    /** One candidate move. */
    record Move(String layer, boolean bits, double to, double savedBits) {
        String label() {
            return bits ? layer + (to == TERNARY ? " ternary" : " at " + (int) to + " bits") : layer + " at " + SizeSearch.pct(to);
        }
    }

    private final Map<String, Long> parameters;
    private final int baseBits;
    private final double[] ladder;
    private final Trial trial;
    private final Predicate<Candidate> within;
    private final Map<String, List<Tried>> history = new LinkedHashMap<>();
    private final Map<String, Double> ceiling = new HashMap<>();
    private final Map<String, Double> step = new HashMap<>();
    private final Set<String> bitsDone = new HashSet<>();
    private final boolean ternary;
    private final Set<String> ternaryDone = new HashSet<>();
    private SizePlan plan;
    private Candidate best;

    /**
     * @param parameters weights of every layer the plan may change
     * @param baseBits   the quantizer's sharing width (0: the quantizer does not share; widths are not searched)
     * @param ladder     the sparsity levels of the sensitivity ladders: the first step of a layer goes to the next
     *                   level above it (null: sparsity is not searched)
     */
    JointRefine(Map<String, Long> parameters, int baseBits, double[] ladder, Trial trial, Predicate<Candidate> within) {
        this(parameters, baseBits, ladder, false, trial, within);
    }

    /** As above; {@code ternary}: layers may also become ternary (only when {@code baseBits > 0}). */
    JointRefine(Map<String, Long> parameters, int baseBits, double[] ladder, boolean ternary, Trial trial,
                Predicate<Candidate> within) {
        this.ternary = ternary && baseBits > 0;
        this.parameters = new LinkedHashMap<>(parameters);
        this.baseBits = baseBits;
        this.ladder = ladder == null ? null : ladder.clone();
        this.trial = trial;
        this.within = within;
    }

    /** Refines from {@code start} (measured as {@code at}, within the limit); returns the last kept candidate. */
    Candidate run(SizePlan start, Candidate at) {
        plan = start;
        best = at;
        parameters.keySet().forEach(l -> step.put(l, ladder == null ? 0 : firstStep(plan.sparsityOf(l))));
        while (true) {
            List<Move> moves = moves();
            if (moves.isEmpty()) {
                return best;
            }
            for (Move m : moves) {
                SizePlan next = m.bits() ? plan.withBits(m.layer(), (int) m.to()) : plan.withSparsity(m.layer(), m.to());
                Optional<Candidate> c = trial.measure("joint " + m.label(), next);
                if (c.isEmpty()) {
                    return best;
                }
                if (within.test(c.get()) && c.get().objective() < best.objective()) {
                    note(m, c.get(), true);
                    plan = next;
                    best = c.get();
                    break;
                }
                note(m, c.get(), false);
                if (m.bits() && m.to() == TERNARY) {
                    ternaryDone.add(m.layer());
                } else if (m.bits()) {
                    bitsDone.add(m.layer());
                } else {
                    ceiling.merge(m.layer(), m.to(), Math::min);
                    step.put(m.layer(), (m.to() - plan.sparsityOf(m.layer())) / 2);
                }
            }
        }
    }

    SizePlan plan() {
        return plan;
    }

    /** One move measured: the candidate it gave and whether it was kept. */
    record Tried(Move move, Candidate candidate, boolean kept) {
    }

    /** What the joint search measured for a layer, in order. */
    List<Tried> history(String layer) {
        return history.getOrDefault(layer, List.of());
    }

    /** The moves open from the current plan, most expected bits saved first. */
    List<Move> moves() {
        List<Move> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : parameters.entrySet()) {
            String l = e.getKey();
            double sp = plan.sparsityOf(l);
            int b = plan.bitsOf(l, baseBits);
            double width = baseBits <= 0 ? 32 : b == TERNARY ? TERNARY_BITS : b;
            if (baseBits > 0 && b > MIN_BITS && !bitsDone.contains(l)) {
                out.add(new Move(l, true, b - 1, e.getValue() * (1 - sp)));
            }
            if (ternary && b != TERNARY && !ternaryDone.contains(l)) {
                out.add(new Move(l, true, TERNARY, e.getValue() * (1 - sp) * (b - TERNARY_BITS)));
            }
            double to = target(l, sp);
            if (to > sp) {
                out.add(new Move(l, false, to, e.getValue() * (to - sp) * (width + GAP_BITS)));
            }
        }
        out.sort(Comparator.comparingDouble(Move::savedBits).reversed());
        return out;
    }

    /** The next sparsity to try for a layer: one step up, at most half-way to its ceiling; {@code sp}: none. */
    private double target(String layer, double sp) {
        double d = step.get(layer);
        double top = Math.min(MAX_SPARSITY, ceiling.getOrDefault(layer, Double.POSITIVE_INFINITY));
        if (sp + d > top - 1e-9) {
            d = (top - sp) / 2;
        }
        if (d < MIN_STEP - 1e-9) {
            return sp;
        }
        double to = round(sp + d);
        return to > sp + 1e-9 && to < top - 1e-9 ? to : sp;
    }

    /** The first step of a layer: to the next ladder level above it, else half-way to the maximum. */
    double firstStep(double sp) {
        for (double v : ladder) {
            if (v > sp + 1e-9) {
                return v - sp;
            }
        }
        return (MAX_SPARSITY - sp) / 2;
    }

    /** To half a percentage point, so the recipe says 87.5% rather than 87.4999%. */
    static double round(double v) {
        return Math.round(v * 200) / 200.0;
    }

    private void note(Move m, Candidate c, boolean kept) {
        history.computeIfAbsent(m.layer(), k -> new ArrayList<>()).add(new Tried(m, c, kept));
    }
}
