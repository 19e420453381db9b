package dev.onnxpress.passes.rewrite;

import dev.onnxpress.ir.Graph;
import dev.onnxpress.ir.Model;
import dev.onnxpress.ir.Node;
import dev.onnxpress.ir.Rewriter;
import dev.onnxpress.passes.PassResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies rewrite rules to a fixed point: sweeps every graph (the main graph and, depth first, every
 * subgraph), offers each live node to the rules targeting its op, in the order the rules were given,
 * rewrites what matches, and sweeps again until a sweep changes nothing or the iteration cap is hit.
 * A rewrite that leaves the node in the graph lets the node go on to the next rules in the same sweep
 * (as ONNX Runtime's rule-based transformer does), so a rule can prepare what a later one folds; a
 * removed node is offered to no further rule. Each sweep offers every node once to each rule targeting
 * it, never rescans after a rewrite: the work is linear in the graph per sweep ({@link Outcome}).
 * Skips are those of the last sweep, so a node that a later rewrite made acceptable is not reported
 * as declined.
 */
public final class RewriteDriver {
    public static final int DEFAULT_MAX_ITERATIONS = 32;

    private final List<RewriteRule<?>> rules;
    private final int maxIterations;

    public RewriteDriver(List<RewriteRule<?>> rules, int maxIterations) {
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, not " + maxIterations);
        }
        this.rules = List.copyOf(rules);
        this.maxIterations = maxIterations;
    }

    public RewriteDriver(List<RewriteRule<?>> rules) {
        this(rules, DEFAULT_MAX_ITERATIONS);
    }

    /**
     * Rewrites per rule name, sweeps run, whether the cap stopped it before a fixed point, the nodes
     * looked at over all sweeps (live or already removed) and the calls of a rule's {@code match}: the
     * driver's work, linear in the graph per sweep.
     */
    public record Outcome(Map<String, Long> rewrites, int sweeps, boolean capped, long nodeVisits,
            long matchAttempts) {
        public Outcome {
            rewrites = Collections.unmodifiableMap(new LinkedHashMap<>(rewrites));
        }

        public long total() {
            return rewrites.values().stream().mapToLong(Long::longValue).sum();
        }

        public long of(String ruleName) {
            return rewrites.getOrDefault(ruleName, 0L);
        }
    }

    /**
     * A whole pass made of these rules: applies them to {@code model} through a new Rewriter, lets
     * {@code statistics} record what the outcome means for the pass, and reports a change if anything changed.
     */
    public PassResult runAsPass(Model model, java.util.function.BiConsumer<Outcome, PassResult.Builder> statistics) {
        Rewriter rw = new Rewriter(model);
        PassResult.Builder result = PassResult.builder();
        Outcome outcome = apply(model, rw, result);
        statistics.accept(outcome, result);
        return result.build(rw.changes() > 0);
    }

    /** Runs the rules over {@code model}; skips of the final sweep go to {@code result}. */
    public Outcome apply(Model model, Rewriter rewriter, PassResult.Builder result) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (RewriteRule<?> r : rules) {
            counts.put(r.name(), 0L);
        }
        Map<String, String> skips = new LinkedHashMap<>();
        int sweeps = 0;
        long[] visits = {0, 0}; // nodes looked at, match calls
        boolean changed = true;
        while (changed && sweeps < maxIterations) {
            sweeps++;
            skips.clear();
            changed = false;
            for (Graph g : model.graph().allGraphs()) {
                if (!isAttached(g, model)) {
                    continue;
                }
                changed |= sweep(g, rewriter, counts, skips, visits);
            }
        }
        boolean capped = changed;
        if (capped) {
            result.note("rewrite rules stopped after " + maxIterations + " sweeps without reaching a fixed point");
        }
        for (Map.Entry<String, String> e : skips.entrySet()) {
            String where = e.getKey().substring(0, e.getKey().indexOf('\u0000'));
            result.skip(where, e.getValue());
        }
        return new Outcome(counts, sweeps, capped, visits[0], visits[1]);
    }

    private boolean sweep(Graph g, Rewriter rw, Map<String, Long> counts, Map<String, String> skips,
            long[] visits) {
        boolean changed = false;
        for (Node n : g.nodes()) {
            visits[0]++;
            if (n.isRemoved()) {
                continue; // removed by an earlier rewrite in this sweep
            }
            for (RewriteRule<?> rule : rules) {
                if (!n.isStandard() || !rule.targetOps().contains(n.opType())) {
                    continue;
                }
                visits[1]++;
                RuleMatch.Skipped<?> skipped = tryRule(rule, n, g, rw);
                if (skipped == null) {
                    counts.merge(rule.name(), 1L, Long::sum);
                    changed = true;
                    if (n.isRemoved()) {
                        break;
                    }
                    continue;
                }
                if (!skipped.reason().isEmpty()) {
                    skips.put(n.label() + '\u0000' + rule.name() + '\u0000' + System.identityHashCode(n),
                            skipped.reason());
                }
            }
        }
        return changed;
    }

    /** Null when the rule rewrote; a Skipped (empty reason for "no match") otherwise. */
    private static <M> RuleMatch.Skipped<?> tryRule(RewriteRule<M> rule, Node n, Graph g, Rewriter rw) {
        RuleMatch<M> m = rule.match(n, g);
        if (m instanceof RuleMatch.Found<M> found) {
            rule.rewrite(found.match(), rw);
            return null;
        }
        if (m instanceof RuleMatch.Skipped<M> s) {
            return s;
        }
        return new RuleMatch.Skipped<>("");
    }

    /** A subgraph whose owner node was removed earlier in this run is no longer part of the model. */
    private static boolean isAttached(Graph g, Model model) {
        Graph cur = g;
        while (cur.parent().isPresent()) {
            Node owner = cur.ownerNode().orElse(null);
            Graph parent = cur.parent().get();
            if (owner == null || owner.isRemoved() || owner.graph() != parent) {
                return false;
            }
            cur = parent;
        }
        return cur == model.graph();
    }
}
