package dev.onnxpress.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The acceptance rule on hand-made correctness vectors: the paired standard error equals the sample standard
 * error of the per-sample differences, and of two candidates with the same loss on the selection split the
 * one that moved many samples (lucky: as many newly right as newly wrong) is rejected where the one that kept
 * the original's predictions is accepted.
 */
class AcceptanceTest {
    /** A measurement of a candidate with these per-sample correctness values against the original's. */
    static Measurement measured(boolean[] original, boolean[] candidate) {
        int n = original.length;
        int right = 0;
        int discordant = 0;
        for (int i = 0; i < n; i++) {
            right += candidate[i] ? 1 : 0;
            discordant += original[i] != candidate[i] ? 1 : 0;
        }
        return new Measurement(100, -1, Double.NaN, (double) right / n, 1, Double.NaN, 0, Optional.empty(),
                (double) discordant / n);
    }

    static Measurement originalOf(boolean[] original) {
        return measured(original, original);
    }

    /** Correctness: the first {@code right} of {@code n} samples right. */
    static boolean[] firstRight(int n, int right) {
        boolean[] c = new boolean[n];
        for (int i = 0; i < right; i++) {
            c[i] = true;
        }
        return c;
    }

    /** The sample standard error of the per-sample differences, in points, computed directly. */
    static double direct(boolean[] a, boolean[] b) {
        int n = a.length;
        double[] x = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            x[i] = (a[i] ? 1 : 0) - (b[i] ? 1 : 0);
            mean += x[i] / n;
        }
        double ss = 0;
        for (double v : x) {
            ss += (v - mean) * (v - mean);
        }
        return 100 * Math.sqrt(ss / (n - 1) / n);
    }

    @Test
    void pairedStandardErrorIsTheStandardErrorOfThePerSampleDifferences() {
        int n = 1000;
        boolean[] orig = firstRight(n, 900);
        boolean[] cand = orig.clone();
        for (int i = 0; i < 30; i++) {
            cand[i] = false;        // 30 newly wrong
        }
        for (int i = 900; i < 910; i++) {
            cand[i] = true;         // 10 newly right
        }
        Acceptance a = Acceptance.of(Budget.parse("1pt"), n);
        double se = a.standardError(measured(orig, cand), originalOf(orig));
        assertThat(se).isCloseTo(direct(orig, cand), within(1e-9));
        // d = 4 %, δ = 2 %: 100·sqrt((0.04 − 0.0004) / 999)
        assertThat(se).isCloseTo(100 * Math.sqrt(0.0396 / 999), within(1e-9));
        // the same predictions: no spread, no standard error
        assertThat(a.standardError(originalOf(orig), originalOf(orig))).isZero();
    }

    @Test
    void aCandidateThatMovedManySamplesIsRejectedWhereOneOfTheSameLossThatMovedFewIsAccepted() {
        int n = 2500;
        Budget budget = Budget.parse("1pt");
        Acceptance a = Acceptance.of(budget, n);
        boolean[] orig = firstRight(n, 2250);
        Measurement original = originalOf(orig);
        // faithful: 12 samples newly wrong, nothing else moved (loss 0.48 pt, d = 0.48 %)
        boolean[] faithful = orig.clone();
        for (int i = 0; i < 12; i++) {
            faithful[i] = false;
        }
        // lucky: 81 newly wrong and 69 newly right (loss 0.48 pt as well, d = 6 %): the same figure on this
        // split, but it moved so many samples that another split may well show 1.3 points
        boolean[] lucky = orig.clone();
        for (int i = 0; i < 81; i++) {
            lucky[i] = false;
        }
        for (int i = 2250; i < 2250 + 69; i++) {
            lucky[i] = true;
        }
        Measurement mf = measured(orig, faithful);
        Measurement ml = measured(orig, lucky);
        double lf = budget.loss(mf, original);
        double ll = budget.loss(ml, original);
        assertThat(lf).isCloseTo(0.48, within(1e-9));
        assertThat(ll).isCloseTo(0.48, within(1e-9));
        assertThat(budget.holds(ll)).isTrue(); // the plain figure is within the budget
        assertThat(a.accepts(lf, mf, original)).isTrue();
        assertThat(a.accepts(ll, ml, original)).isFalse();
        assertThat(a.upper(ll, ml, original)).isCloseTo(0.48 + Acceptance.Z * direct(orig, lucky), within(1e-9));
        assertThat(a.upper(ll, ml, original)).isGreaterThan(1);
        assertThat(a.describe()).contains("2,500 selection samples plus 1.645 paired standard errors")
                .endsWith("at most 1 point");
    }

    @Test
    void withoutTheDiscordanceTheChangedPredictionsBoundIt() {
        Acceptance a = Acceptance.of(Budget.parse("1pt"), 2500);
        Measurement original = new Measurement(100, -1, Double.NaN, 0.9, 1, 1, 0, Optional.empty(), 0);
        Measurement known = new Measurement(90, -1, Double.NaN, 0.895, 1, 0.95, 0, Optional.empty(), 0.03);
        Measurement unknown = new Measurement(90, -1, Double.NaN, 0.895, 1, 0.95, 0, Optional.empty());
        // 5 % of the predictions changed: at most 5 % of the samples changed correctness
        assertThat(a.standardError(unknown, original)).isGreaterThan(a.standardError(known, original));
        assertThat(a.standardError(unknown, original)).isCloseTo(100 * Math.sqrt((0.05 - 0.005 * 0.005) / 2499),
                within(1e-9));
    }

    @Test
    void top1AgreementIsBinomialAndCosineKeepsAFixedMargin() {
        Acceptance top1 = Acceptance.of(Budget.parse("0.98top1"), 1000);
        Measurement original = new Measurement(100, -1, Double.NaN, Double.NaN, 1, 1, 0, Optional.empty());
        Measurement m = new Measurement(50, -1, Double.NaN, Double.NaN, 0.99, 0.99, 0, Optional.empty());
        assertThat(top1.standardError(m, original)).isCloseTo(Math.sqrt(0.01 * 0.99 / 999), within(1e-12));
        // 1 % changed, 1.645 · 0.315 % more: 1.52 % ≤ 2 %
        assertThat(top1.accepts(0.01, m, original)).isTrue();
        assertThat(top1.accepts(0.0175, m, original)).isFalse();

        Acceptance cos = Acceptance.of(Budget.parse("0.999cos"), 1000);
        assertThat(cos.allowed()).isCloseTo(0.0008, within(1e-12));
        assertThat(cos.standardError(m, original)).isZero();
        assertThat(cos.accepts(0.0008, m, original)).isTrue();
        assertThat(cos.accepts(0.00081, m, original)).isFalse();
        assertThat(cos.accepts(Double.POSITIVE_INFINITY, m, original)).isFalse();
    }
}
