package dev.onnxpress.tune;

import java.util.Locale;

/**
 * When a candidate measured on the selection split counts as within the budget. A loss measured on a few
 * thousand samples is itself a sample: two models that differ on 5 % of 2,500 images have a paired accuracy
 * difference with a standard error of about 0.45 points, and a search that keeps whatever looked best is
 * drawn to the candidates that were lucky on the selection split (the winner's curse). A fixed fraction of
 * the budget covers that for some models and not for others, so the rule is statistical:
 *
 * <pre>accepted  ⇔  loss + z · SE(loss)  ≤  budget</pre>
 *
 * <ul>
 *   <li>accuracy points: the paired (McNemar-style) standard error. Per sample the difference between the
 *       original's and the candidate's correctness is −1, 0 or +1; with {@code d} the share of samples where
 *       exactly one of the two is right and {@code δ} the accuracy difference, its variance is {@code d − δ²},
 *       so {@code SE = 100 · sqrt((d − δ²) / (n − 1))} points. A candidate that keeps the original's
 *       predictions has a small SE and may come close to the budget; one that moves many samples (even if as
 *       many right as wrong) must keep a wider distance. When {@code d} is unknown, {@code 1 − top-1
 *       agreement} is used: correctness can differ only where the predictions do (an upper bound).</li>
 *   <li>top-1 agreement: the loss is the share {@code p} of samples whose prediction changed,
 *       {@code SE = sqrt(p (1 − p) / (n − 1))}.</li>
 *   <li>cosine: one figure over all outputs, with no per-sample spread measured: a fixed margin, the loss at
 *       most {@value #COSINE_MARGIN} of the budget.</li>
 * </ul>
 *
 * <p>{@code z} = {@value #Z} is the one-sided 95 % normal quantile: a candidate whose true loss is exactly the
 * budget is accepted on the selection split about one time in twenty.
 *
 * @param samples the size of the selection split the losses are measured on
 */
public record Acceptance(Budget budget, int samples, double z) {
    public static final double Z = 1.645;
    public static final double COSINE_MARGIN = 0.8;

    public static Acceptance of(Budget budget, int samples) {
        return new Acceptance(budget, samples, Z);
    }

    /** The largest loss plus z·SE allowed: the budget (a fixed fraction of it for a cosine floor). */
    public double allowed() {
        return budget.kind() == Budget.Kind.COSINE ? COSINE_MARGIN * budget.limit() : budget.limit();
    }

    /** The standard error of the candidate's loss against the original, in the loss's units (0 when none). */
    public double standardError(Measurement m, Measurement original) {
        if (!m.ok() || samples < 2) {
            return 0;
        }
        return switch (budget.kind()) {
            case POINTS -> {
                double delta = original.accuracy() - m.accuracy();
                double d = Double.isFinite(m.discordance()) ? m.discordance() : 1 - m.top1();
                if (!Double.isFinite(d) || !Double.isFinite(delta)) {
                    yield 0;
                }
                yield 100 * paired(d, delta, samples);
            }
            case TOP1 -> {
                double p = 1 - m.top1();
                yield Double.isFinite(p) ? Math.sqrt(Math.max(0, p * (1 - p)) / (samples - 1)) : 0;
            }
            case COSINE -> 0;
        };
    }

    /**
     * The standard error of a paired difference of two 0/1 outcomes over {@code n} samples: {@code d} the share
     * of discordant samples, {@code delta} the difference of the two means (fractions).
     */
    static double paired(double d, double delta, int n) {
        double dd = Math.max(d, Math.abs(delta));
        return Math.sqrt(Math.max(0, dd - delta * delta) / (n - 1));
    }

    /** The loss plus z standard errors: what the rule compares with {@link #allowed()}. */
    public double upper(double loss, Measurement m, Measurement original) {
        return loss + z * standardError(m, original);
    }

    public boolean accepts(double loss, Measurement m, Measurement original) {
        return Double.isFinite(loss) && upper(loss, m, original) <= allowed() + 1e-12;
    }

    /** The rule in words, for the recipe's comments. */
    public String describe() {
        return switch (budget.kind()) {
            case POINTS -> String.format(Locale.ROOT, "a candidate is accepted when its loss on the %,d selection"
                    + " samples plus %.3f paired standard errors (McNemar-style: from the share of samples where"
                    + " exactly one of original and candidate is right) is at most %s point%s", samples, z,
                    Budget.num(allowed()), allowed() == 1 ? "" : "s");
            case TOP1 -> String.format(Locale.ROOT, "a candidate is accepted when its top-1 disagreement on the %,d"
                    + " selection samples plus %.3f binomial standard errors is at most %s", samples, z,
                    Budget.num(allowed()));
            case COSINE -> "a candidate is accepted when 1 − cosine on the selection samples is at most "
                    + Budget.num(allowed()) + " (" + Math.round(100 * COSINE_MARGIN) + "% of the budget: no"
                    + " per-sample spread is measured for cosine)";
        };
    }
}
