package dev.onnxpress.tune;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class JointRefineTest {
    static final double LIMIT = 1.0;

    /** A fake joint measurement: size from a simple packed-size model, loss from {@code lossOf}. */
    static final class Fake implements JointRefine.Trial {
        final List<String> labels = new ArrayList<>();
        final ToDoubleFunction<SizePlan> lossOf;
        final Map<String, Long> params;
        final int baseBits;
        int budget = Integer.MAX_VALUE;

        Fake(Map<String, Long> params, int baseBits, ToDoubleFunction<SizePlan> lossOf) {
            this.params = params;
            this.baseBits = baseBits;
            this.lossOf = lossOf;
        }

        Candidate candidate(String label, SizePlan p) {
            double bits = 0;
            for (Map.Entry<String, Long> e : params.entrySet()) {
                bits += e.getValue() * (1 - p.sparsityOf(e.getKey())) * (p.bitsOf(e.getKey(), baseBits) + 4);
            }
            long bytes = (long) Math.ceil(bits / 8);
            Measurement m = new Measurement(bytes, -1, Double.NaN, 0.9, 1, 1, 0, Optional.empty());
            return new Candidate(label, List.of(), m, lossOf.applyAsDouble(p), bytes);
        }

        @Override
        public Optional<Candidate> measure(String label, SizePlan plan) {
            if (labels.size() >= budget) {
                return Optional.empty();
            }
            labels.add(label);
            return Optional.of(candidate(label, plan));
        }
    }

    static Map<String, Long> params() {
        Map<String, Long> p = new LinkedHashMap<>();
        p.put("big", 200_000L);
        p.put("small", 20_000L);
        return p;
    }

    static SizePlan start() {
        Map<String, Double> sp = new LinkedHashMap<>();
        sp.put("big", 0.85);
        sp.put("small", 0.85);
        return new SizePlan(sp, Map.of());
    }

    @Test
    void aFailedSparsityStepIsRetriedHalfWayInsteadOfCappingTheLayer() {
        // big breaks the limit above 88 %; small never; widths are not searched
        Fake f = new Fake(params(), 0, p -> p.sparsityOf("big") > 0.88 + 1e-9 ? 2 : 0.5);
        JointRefine r = new JointRefine(params(), 0, SizeSearch.SPARSITY, f, c -> c.loss() <= LIMIT);
        Candidate best = r.run(start(), f.candidate("start", start()));
        assertThat(r.plan().sparsityOf("big")).isEqualTo(0.875);
        assertThat(f.labels).contains("joint big at 90%", "joint big at 87.5%", "joint big at 89%");
        // small climbs the ladder to the top in steps, finer as it nears the ceiling
        assertThat(r.plan().sparsityOf("small")).isGreaterThanOrEqualTo(0.97);
        assertThat(r.plan().sparsityOf("small")).isLessThanOrEqualTo(JointRefine.MAX_SPARSITY);
        assertThat(best.loss()).isLessThanOrEqualTo(LIMIT);
        assertThat(best.objective()).isEqualTo(f.candidate("x", r.plan()).objective());
        assertThat(r.history("big")).extracting(JointRefine.Tried::kept).contains(true, false);
    }

    @Test
    void widthsComeDownPerLayerWhileTheWholeHolds() {
        // each bit below 4 on big costs 0.4; small's width is free
        Fake f = new Fake(params(), 4, p -> 0.4 * (4 - p.bitsOf("big", 4)));
        JointRefine r = new JointRefine(params(), 4, null, f, c -> c.loss() <= LIMIT);
        r.run(start(), f.candidate("start", start()));
        assertThat(r.plan().bitsOf("big", 4)).isEqualTo(2); // 0.8 within, 1 bit (1.2) is below MIN_BITS anyway
        assertThat(r.plan().bitsOf("small", 4)).isEqualTo(JointRefine.MIN_BITS);
        assertThat(r.plan().sparsityOf("big")).isEqualTo(0.85); // no ladder: sparsity not searched
        assertThat(f.labels).allMatch(l -> l.endsWith("bits"));

        Fake dear = new Fake(params(), 4, p -> 0.7 * (4 - p.bitsOf("big", 4)));
        JointRefine r2 = new JointRefine(params(), 4, null, dear, c -> c.loss() <= LIMIT);
        r2.run(start(), dear.candidate("start", start()));
        assertThat(r2.plan().bitsOf("big", 4)).isEqualTo(3);
        // the rejected width is not tried twice
        assertThat(dear.labels.stream().filter(l -> l.equals("joint big at 2 bits"))).hasSize(1);
    }

    @Test
    void theBiggestExpectedSavingIsTriedFirstAndTheDeadlineEndsTheSearch() {
        Fake f = new Fake(params(), 4, p -> 0);
        f.budget = 3;
        JointRefine r = new JointRefine(params(), 4, SizeSearch.SPARSITY, f, c -> c.loss() <= LIMIT);
        Candidate start = f.candidate("start", start());
        Candidate best = r.run(start(), start);
        assertThat(f.labels).hasSize(3);
        assertThat(f.labels.get(0)).startsWith("joint big at");
        assertThat(best.objective()).isLessThan(start.objective());
    }

    @Test
    void roundsToHalfAPercent() {
        assertThat(JointRefine.round(0.8875)).isEqualTo(0.89);
        assertThat(JointRefine.round(0.8751)).isEqualTo(0.875);
        assertThat(SizeSearch.pct(0.875)).isEqualTo("87.5%");
    }

    @Test
    void aLayerMayGoTernaryAndARejectedTernaryMoveIsNotTriedAgain() {
        // ternary holds on big (it saves most, so it is tried first), breaks the limit on small
        Fake f = new Fake(params(), 4, p -> p.bitsOf("small", 4) == JointRefine.TERNARY ? 2 : 0.5);
        JointRefine r = new JointRefine(params(), 4, null, true, f, c -> c.loss() <= LIMIT);
        r.run(start(), f.candidate("start", start()));
        assertThat(f.labels.get(0)).isEqualTo("joint big ternary");
        assertThat(r.plan().bitsOf("big", 4)).isEqualTo(JointRefine.TERNARY);
        assertThat(f.labels).containsOnlyOnce("joint small ternary");
        assertThat(r.plan().bitsOf("small", 4)).isEqualTo(JointRefine.MIN_BITS);
        // a ternary layer takes no width move
        assertThat(f.labels).noneMatch(l -> l.startsWith("joint big at") && l.endsWith("bits"));
    }

    @Test
    void withoutASharingWidthNoLayerGoesTernary() {
        Fake f = new Fake(params(), 0, p -> 0.5);
        JointRefine r = new JointRefine(params(), 0, SizeSearch.SPARSITY, true, f, c -> c.loss() <= LIMIT);
        r.run(start(), f.candidate("start", start()));
        assertThat(f.labels).noneMatch(l -> l.contains("ternary"));
    }
}
