package dev.onnxpress.tune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Greedy allocation of a loss budget over layers. Each layer has a ladder of levels (sparsities, channel
 * ratios …), each measured alone: what it gains on the objective and what it loses. A move raises one
 * layer to a higher level; the greedy takes the move with the most gain per unit of added loss while
 * the summed losses stay within the limit. {@link #backOff()} undoes the move of the worst gain per loss
 * when the composed result breaks the budget after all (losses do not simply add up).
 *
 * <p>Measured losses are noisy: a ladder's losses are made non-decreasing (a higher level never counts as
 * cheaper than a lower one) and a loss is never taken below {@code floor}, so a move that seems free is
 * not taken for nothing.
 */
public final class Allocation {

    /** One level of one layer, measured alone. */
    public record Level(String label, double value, double gain, double loss) {
    }

    /** A move taken: layer raised from level index {@code from} to {@code to} (−1: untouched). */
    public record Move(String layer, int from, int to, double gain, double loss) {
        double ratio() {
            return gain / loss;
        }
    }

    private final Map<String, List<Level>> ladders = new LinkedHashMap<>();
    private final Map<String, Integer> chosen = new LinkedHashMap<>();
    private final Map<String, Integer> ceiling = new LinkedHashMap<>();
    private final List<Move> moves = new ArrayList<>();
    private final double floor;

    /** @param floor smallest loss a move is counted with (> 0) */
    public Allocation(Map<String, List<Level>> measured, double floor) {
        this.floor = floor;
        for (Map.Entry<String, List<Level>> e : measured.entrySet()) {
            List<Level> mono = new ArrayList<>();
            double worst = 0;
            for (Level l : e.getValue()) {
                worst = Math.max(worst, Math.max(l.loss(), 0));
                mono.add(new Level(l.label(), l.value(), l.gain(), worst));
            }
            ladders.put(e.getKey(), mono);
            chosen.put(e.getKey(), -1);
            ceiling.put(e.getKey(), mono.size() - 1);
        }
    }

    /** The level chosen for each layer (empty: left alone). */
    public Map<String, Level> choice() {
        Map<String, Level> out = new LinkedHashMap<>();
        chosen.forEach((k, i) -> {
            if (i >= 0) {
                out.put(k, ladders.get(k).get(i));
            }
        });
        return out;
    }

    public List<Move> moves() {
        return List.copyOf(moves);
    }

    /** Summed loss of the chosen levels (each counted at least at the floor). */
    public double estimatedLoss() {
        double sum = 0;
        for (Map.Entry<String, Integer> e : chosen.entrySet()) {
            if (e.getValue() >= 0) {
                sum += Math.max(floor, ladders.get(e.getKey()).get(e.getValue()).loss());
            }
        }
        return sum;
    }

    public double estimatedGain() {
        double sum = 0;
        for (Map.Entry<String, Integer> e : chosen.entrySet()) {
            if (e.getValue() >= 0) {
                sum += ladders.get(e.getKey()).get(e.getValue()).gain();
            }
        }
        return sum;
    }

    /**
     * The best next move within {@code limit} of summed loss, or null. For each layer every higher level
     * (below its ceiling) is considered, so a ladder whose first step is dear but later steps are cheap is
     * still climbed.
     */
    public Move next(double limit) {
        Move best = null;
        double spent = estimatedLoss();
        for (Map.Entry<String, List<Level>> e : ladders.entrySet()) {
            String layer = e.getKey();
            int from = chosen.get(layer);
            double gain0 = from < 0 ? 0 : e.getValue().get(from).gain();
            double loss0 = from < 0 ? 0 : Math.max(floor, e.getValue().get(from).loss());
            for (int to = from + 1; to <= ceiling.get(layer); to++) {
                Level l = e.getValue().get(to);
                double dg = l.gain() - gain0;
                double loss = Math.max(floor, l.loss());
                double dl = Math.max(floor, loss - loss0);
                if (dg <= 0 || !Double.isFinite(loss) || spent - loss0 + loss > limit + 1e-12) {
                    continue;
                }
                Move m = new Move(layer, from, to, dg, dl);
                if (best == null || m.ratio() > best.ratio() + 1e-15) {
                    best = m;
                }
            }
        }
        return best;
    }

    public void apply(Move m) {
        chosen.put(m.layer(), m.to());
        moves.add(m);
    }

    /** Takes moves while the summed loss stays within {@code limit}; returns how many were taken. */
    public int allocate(double limit) {
        int n = 0;
        for (Move m = next(limit); m != null; m = next(limit)) {
            apply(m);
            n++;
        }
        return n;
    }

    /**
     * Undoes the taken move (still in force) with the least gain per loss, and caps that layer below the
     * level it reached so the greedy does not take it again. Returns the move undone, or null when none is left.
     */
    public Move backOff() {
        Move worst = null;
        for (Move m : moves) {
            if (chosen.get(m.layer()) == m.to() && (worst == null || m.ratio() < worst.ratio())) {
                worst = m;
            }
        }
        if (worst == null) {
            return null;
        }
        moves.remove(worst);
        chosen.put(worst.layer(), worst.from());
        ceiling.put(worst.layer(), Math.min(ceiling.get(worst.layer()), worst.to() - 1));
        return worst;
    }

    /** Undoes {@code m} (a joint check showed it breaks the budget) and never offers that level again. */
    public void undo(Move m) {
        moves.remove(m);
        chosen.put(m.layer(), m.from());
        forbid(m.layer(), m.to());
    }

    /** Puts a layer at level {@code index} (−1: untouched), as one move from where it was. */
    public void set(String layer, int index) {
        int from = chosen.get(layer);
        if (index == from) {
            return;
        }
        List<Level> ladder = ladders.get(layer);
        double g0 = from < 0 ? 0 : ladder.get(from).gain();
        double l0 = from < 0 ? 0 : ladder.get(from).loss();
        double g1 = index < 0 ? 0 : ladder.get(index).gain();
        double l1 = index < 0 ? 0 : ladder.get(index).loss();
        apply(new Move(layer, from, index, g1 - g0, Math.max(floor, l1 - l0)));
    }

    /**
     * Lowers by one level the layer whose current level buys the least gain per loss over the level below
     * it, and caps it there; returns that layer, or null when every layer is untouched. This is the back-off
     * of a search that starts high (every layer at an aggressive level) and comes down until the budget holds.
     */
    public String stepDown() {
        String worst = null;
        double worstRatio = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, Integer> e : chosen.entrySet()) {
            int i = e.getValue();
            if (i < 0) {
                continue;
            }
            List<Level> ladder = ladders.get(e.getKey());
            double dg = ladder.get(i).gain() - (i == 0 ? 0 : ladder.get(i - 1).gain());
            double dl = Math.max(floor, ladder.get(i).loss() - (i == 0 ? 0 : ladder.get(i - 1).loss()));
            double ratio = dg / dl;
            if (ratio < worstRatio) {
                worstRatio = ratio;
                worst = e.getKey();
            }
        }
        if (worst != null) {
            int i = chosen.get(worst);
            chosen.put(worst, i - 1);
            forbid(worst, i);
        }
        return worst;
    }

    /** Caps a layer below level {@code index} (a joint check showed that level breaks the budget). */
    public void forbid(String layer, int index) {
        ceiling.put(layer, Math.min(ceiling.get(layer), index - 1));
    }

    public int chosenIndex(String layer) {
        return chosen.get(layer);
    }

    public List<Level> ladder(String layer) {
        return ladders.get(layer);
    }
}
