package dev.onnxpress.tune;

import dev.onnxpress.error.UserException;
import java.util.Locale;

/**
 * What {@code tune} may lose: accuracy points ({@code 1pt}, {@code 0.5pt}; needs labels), or a fidelity
 * floor to the original model's outputs: cosine similarity ({@code 0.999cos}) or top-1 agreement
 * ({@code 0.98top1}). Every budget is expressed as a <em>loss</em> (0 = as good as the original) and a limit
 * on it, so the search compares candidates the same way whatever the kind.
 */
public record Budget(Kind kind, double value) {

    public enum Kind { POINTS, COSINE, TOP1 }

    public static Budget parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        Kind kind;
        String number;
        if (t.endsWith("pt")) {
            kind = Kind.POINTS;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("cos")) {
            kind = Kind.COSINE;
            number = t.substring(0, t.length() - 3);
        } else if (t.endsWith("top1")) {
            kind = Kind.TOP1;
            number = t.substring(0, t.length() - 4);
        } else {
            throw new UserException("--budget " + text + ": give accuracy points (1pt, 0.5pt), a cosine floor"
                    + " (0.999cos) or a top-1 agreement floor (0.98top1)");
        }
        double v;
        try {
            v = Double.parseDouble(number.trim());
        } catch (NumberFormatException e) {
            throw new UserException("--budget " + text + ": '" + number.trim() + "' is not a number");
        }
        if (!Double.isFinite(v) || v < 0 || (kind == Kind.POINTS && v > 100) || (kind != Kind.POINTS && v > 1)) {
            throw new UserException("--budget " + text + ": " + (kind == Kind.POINTS
                    ? "points must be between 0 and 100" : "a floor must be between 0 and 1"));
        }
        return new Budget(kind, v);
    }

    public boolean needsLabels() {
        return kind == Kind.POINTS;
    }

    /** The largest loss allowed. */
    public double limit() {
        return kind == Kind.POINTS ? value : 1 - value;
    }

    /**
     * The loss of a measurement against the original: accuracy points lost, or 1 − cosine, or 1 − top-1
     * agreement; {@code +∞} for a candidate that failed or could not be measured.
     */
    public double loss(Measurement m, Measurement original) {
        if (!m.ok()) {
            return Double.POSITIVE_INFINITY;
        }
        double loss = switch (kind) {
            case POINTS -> 100 * (original.accuracy() - m.accuracy());
            case COSINE -> 1 - m.cosine();
            case TOP1 -> 1 - m.top1();
        };
        return Double.isNaN(loss) ? Double.POSITIVE_INFINITY : loss;
    }

    public boolean holds(double loss) {
        return loss <= limit() + 1e-12;
    }

    /** The recipe check that states this budget, e.g. {@code accuracy max_drop 1%} or {@code cosine >= 0.999}. */
    public String check() {
        return switch (kind) {
            case POINTS -> "accuracy max_drop " + num(value) + "%";
            case COSINE -> "cosine >= " + num(value);
            case TOP1 -> "top1_agreement >= " + num(value);
        };
    }

    /** A loss in words: {@code 0.72 pt}, {@code cosine 0.99931}. */
    public String describeLoss(double loss) {
        if (Double.isInfinite(loss)) {
            return "failed";
        }
        return switch (kind) {
            case POINTS -> String.format(Locale.ROOT, "%+.2f pt", -loss);
            case COSINE -> "cosine " + num(1 - loss);
            case TOP1 -> "top-1 agreement " + num(1 - loss);
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case POINTS -> num(value) + " point" + (value == 1 ? "" : "s") + " of accuracy";
            case COSINE -> "cosine ≥ " + num(value);
            case TOP1 -> "top-1 agreement ≥ " + num(value);
        };
    }

    static String num(double v) {
        String s = String.format(Locale.ROOT, "%.10f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
