package dev.onnxpress.tune;

import dev.onnxpress.ir.Model;
import dev.onnxpress.passes.core.WeightedLayer;
import dev.onnxpress.tune.Candidate.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What every search shares: the evaluations, the budget (as a loss limit on the selection split), the
 * objective, the deadline, every candidate tried (the Pareto plot shows them) and the best one so far.
 */
public class Search {
    /** A weighted layer the search may choose for, in topological order. */
    public record Layer(String name, String op, long parameters, int channels) {
        /** {@code name("…")} selecting exactly this node (glob characters in the name matched by '?'). */
        public String selector() {
            return "name(" + dev.onnxpress.dsl.RecipePrinter.quote(name.replace('*', '?')) + ")";
        }
    }

    final Evaluations evaluations;
    final TuneSettings settings;
    final Deadline deadline;
    final Measurement original;
    final Acceptance acceptance;
    final Model model;
    final List<Candidate> tried = new ArrayList<>();
    final Map<String, String> notes = new LinkedHashMap<>();
    private final Consumer<Search> progress;
    private Candidate best;
    private Candidate closest;
    private final Costs costs = new Costs();
    private boolean stopped;

    /** The largest standard error of a loss among the accepted candidates, else among those within the budget. */
    private double seAccepted;
    private double seSeen;

    Search(Evaluations evaluations, TuneSettings settings, Deadline deadline, Measurement original, Model model,
           Acceptance acceptance, Consumer<Search> progress) {
        this.evaluations = evaluations;
        this.settings = settings;
        this.acceptance = acceptance;
        this.deadline = deadline;
        this.original = original;
        this.model = model;
        this.progress = progress;
        // the original's own run is the first cost known: a candidate costs at least as much
        costs.record(List.of(), original.seconds());
    }

    Budget budget() {
        return settings.budget();
    }

    Objective objective() {
        return settings.objective();
    }

    /**
     * The loss the search plans with on the selection split (sensitivity ladders, allocation): the budget less
     * z standard errors of the candidates accepted so far (of those within the budget before any was
     * accepted). It only steers the search; {@link #within} decides, candidate by candidate.
     */
    double limit() {
        double se = seAccepted > 0 ? seAccepted : seSeen;
        return Math.max(0, acceptance.allowed() - acceptance.z() * se);
    }

    /** The acceptance rule ({@link Acceptance}): loss + z·SE within the budget on the selection split. */
    boolean within(Candidate c) {
        return c != null && acceptance.accepts(c.loss(), c.measurement(), original);
    }

    /** The candidate's loss plus z standard errors, the figure {@link #within} compares with the budget. */
    double upper(Candidate c) {
        return acceptance.upper(c.loss(), c.measurement(), original);
    }

    /** True once the deadline stopped the search: later evaluations return empty at once. */
    boolean stopped() {
        return stopped;
    }

    /**
     * Measures the steps (from the cache when already measured), records the candidate and returns it;
     * empty when the deadline leaves no time for another evaluation.
     */
    Optional<Candidate> evaluate(String label, List<Step> steps) {
        List<String> texts = steps.stream().map(Step::text).toList();
        Optional<Measurement> cached = evaluations.cached(texts);
        Measurement m;
        if (cached.isPresent()) {
            m = evaluations.measure(texts);
        } else {
            Optional<Measurement> run = stopped ? Optional.empty()
                    : deadline.run(costs.predict(texts), () -> evaluations.measure(texts));
            if (run.isEmpty()) {
                stopped = true;
                return Optional.empty();
            }
            m = run.get();
            costs.record(texts, m.seconds());
        }
        double loss = budget().loss(m, original);
        double value = m.ok() ? objective().value(m) : Double.NaN;
        Candidate c = new Candidate(label, steps, m, loss, value);
        tried.add(c);
        if (m.ok() && !steps.isEmpty()) {
            double se = acceptance.standardError(m, original);
            if (within(c)) {
                seAccepted = Math.max(seAccepted, se);
            } else if (loss <= acceptance.allowed()) {
                seSeen = Math.max(seSeen, se);
            }
        }
        // the original model (no step) is measured as a reference point but is never an answer
        boolean answer = !steps.isEmpty();
        // an answer must beat the original on the objective: a slower or larger model is no compression
        if (answer && m.ok() && Double.isFinite(value) && within(c) && value < objective().value(original)
                && (best == null || value < best.objective() || value == best.objective() && loss < best.loss())) {
            best = c;
        }
        if (answer && m.ok() && (closest == null || loss < closest.loss()
                || loss == closest.loss() && value < closest.objective())) {
            closest = c;
        }
        progress.accept(this);
        return Optional.of(c);
    }

    /** The best candidate within the budget so far. */
    Optional<Candidate> best() {
        return Optional.ofNullable(best);
    }

    /** The candidate of least loss so far (the answer when nothing meets the budget). */
    Optional<Candidate> closest() {
        return Optional.ofNullable(closest);
    }

    /** The best so far in words, for progress lines: {@code 23.10× at -0.61 pt}. */
    public String bestText() {
        return best == null ? "none within the budget yet"
                : ratioText(best) + " at " + budget().describeLoss(best.loss());
    }

    public double elapsedSeconds() {
        return deadline.elapsedSeconds();
    }

    public double limitSeconds() {
        return deadline.limitSeconds();
    }

    /** The longest evaluation so far of the passes of {@code steps}, in the same order (0 when none). */
    double longest(List<String> steps) {
        return costs.longest(steps);
    }

    /** The longest evaluation so far, seconds (1 before any). */
    double expectedSeconds() {
        return costs.longest();
    }

    /**
     * What an evaluation will cost, predicted from those already run: the longest one of the same passes in
     * the same order (plus a tenth: the machine's load changes), else the longest one of any kind — a family's
     * first evaluation is the one a running average gets wrong.
     */
    static final class Costs {
        private final Map<String, Double> longestByPasses = new java.util.HashMap<>();
        private double longest;

        static String passes(List<String> steps) {
            return String.join(">", steps.stream().map(t -> t.contains("(") ? t.substring(0, t.indexOf('(')) : t)
                    .toList());
        }

        double predict(List<String> steps) {
            Double same = longestByPasses.get(passes(steps));
            return same != null ? 1.1 * same : Math.max(1, longest);
        }

        void record(List<String> steps, double seconds) {
            longestByPasses.merge(passes(steps), seconds, Math::max);
            longest = Math.max(longest, seconds);
        }

        double longest() {
            return Math.max(1, longest);
        }

        double longest(List<String> steps) {
            return longestByPasses.getOrDefault(passes(steps), 0.0);
        }
    }

    /** The weighted layers of the model with names (a layer without a name cannot be selected alone). */
    static List<Layer> layers(Model m) {
        List<Layer> out = new ArrayList<>();
        for (WeightedLayer w : WeightedLayer.find(m.graph())) {
            String name = w.node().name();
            if (name == null || name.isEmpty()) {
                continue;
            }
            out.add(new Layer(name, w.node().opType(), w.tensor().elementCount(), w.channels()));
        }
        return out;
    }

    String ratioText(Candidate c) {
        double r = objective().ratio(c.measurement(), original);
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.2f×", r) : "n/a";
    }

    /**
     * The shared loop of every per-layer search: greedy allocation of the budget over the measured ladders,
     * then the composed recipe measured jointly; over the limit, the worst move is undone and the result
     * measured again; within it, further moves are tried one at a time, each kept only when the joint
     * measurement still holds. Returns the last composed candidate within the limit, if any.
     */
    Optional<Candidate> allocate(Allocation alloc, double allocLimit,
                                 Function<Map<String, Allocation.Level>, List<Step>> compose, String label) {
        alloc.allocate(allocLimit);
        Optional<Candidate> ok = Optional.empty();
        while (true) {
            Optional<Candidate> c = evaluate(label + " (allocation)", compose.apply(alloc.choice()));
            if (c.isEmpty()) {
                return ok;
            }
            if (within(c.get())) {
                ok = c;
                break;
            }
            if (alloc.backOff() == null) {
                return ok;
            }
        }
        return push(alloc, compose, label, ok);
    }

    /**
     * The search from the top: {@code alloc} starts with layers at aggressive levels; while the composed recipe
     * breaks the limit, the layer whose last level buys least per loss steps down one level; then push.
     */
    Optional<Candidate> descend(Allocation alloc, Function<Map<String, Allocation.Level>, List<Step>> compose,
                                String label) {
        while (true) {
            Optional<Candidate> c = evaluate(label + " (descent)", compose.apply(alloc.choice()));
            if (c.isEmpty()) {
                return Optional.empty();
            }
            if (within(c.get())) {
                return push(alloc, compose, label, c);
            }
            if (alloc.stepDown() == null) {
                return Optional.empty();
            }
        }
    }

    private Optional<Candidate> push(Allocation alloc, Function<Map<String, Allocation.Level>, List<Step>> compose,
                                     String label, Optional<Candidate> ok) {
        // push further, one move at a time, each verified jointly
        for (Allocation.Move m = alloc.next(Double.MAX_VALUE); m != null; m = alloc.next(Double.MAX_VALUE)) {
            alloc.apply(m);
            Optional<Candidate> c = evaluate(label + " (push " + m.layer() + ")", compose.apply(alloc.choice()));
            if (c.isEmpty()) {
                alloc.undo(m);
                break;
            }
            if (within(c.get())) {
                ok = c;
            } else {
                alloc.undo(m);
            }
        }
        return ok;
    }
}
