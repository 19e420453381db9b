package dev.onnxpress.report;

import java.util.List;
import dev.onnxpress.ort.LatencyComparison;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Number formatting shared by the terminal and HTML reports, so both show a figure the same way.
 * Locale-independent (a report made on a German machine still says {@code 1.5 MB}).
 *
 * <p>Conventions: accuracy and top-1 agreement are fractions in [0, 1] shown as percent; an absent
 * figure is an en dash; a non-finite measurement is shown as such ({@code NaN}, {@code inf}) because
 * it usually means the model produced NaN, which the reader must see.
 */
public final class ReportFormat {
    /** Shown where a figure does not exist (no labels, no MAC count, …). */
    public static final String ABSENT = "\u2013";
    public static final String ABSENT_ASCII = "-";

    private final boolean ascii;

    private ReportFormat(boolean ascii) {
        this.ascii = ascii;
    }

    public static ReportFormat unicode() {
        return new ReportFormat(false);
    }

    public static ReportFormat ascii() {
        return new ReportFormat(true);
    }

    public boolean isAscii() {
        return ascii;
    }

    public String absent() {
        return ascii ? ABSENT_ASCII : ABSENT;
    }

    /** File sizes in decimal units: {@code 812 B}, {@code 45.2 KB}, {@code 12.34 MB}, {@code 1.20 GB}. */
    public String bytes(long bytes) {
        long abs = Math.abs(bytes);
        if (abs < 1000) {
            return bytes + " B";
        }
        return scaled(bytes, List.of("KB", "MB", "GB", "TB"), " ");
    }

    /** Parameter counts: {@code 950}, {@code 12.5K}, {@code 1.23M}. */
    public String count(long n) {
        if (Math.abs(n) < 1000) {
            return Long.toString(n);
        }
        return scaled(n, List.of("K", "M", "G", "T"), "");
    }

    /** Multiply-accumulate counts: {@code 950}, {@code 312.5M}, {@code 1.23G}. */
    public String macs(OptionalLong macs) {
        return macs.isPresent() ? count(macs.getAsLong()) : absent();
    }

    private static String scaled(long value, List<String> units, String sep) {
        double v = value;
        int unit = -1;
        while (Math.abs(v) >= 1000 && unit < units.size() - 1) {
            v /= 1000;
            unit++;
        }
        // three significant digits: 1.23, 12.3, 123
        String digits = Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.2f";
        return String.format(Locale.ROOT, digits, v) + sep + units.get(unit);
    }

    /** Up to 6 significant digits, no trailing zeros; {@code NaN}, {@code inf}, {@code -inf} as such. */
    public static String significant(double v) {
        if (!Double.isFinite(v)) {
            return nonFinite(v);
        }
        if (v == 0) {
            return "0";
        }
        String s = String.format(Locale.ROOT, "%.6g", v);
        int e = s.indexOf('e');
        return e < 0 ? stripZeros(s) : stripZeros(s.substring(0, e)) + s.substring(e);
    }

    /** Errors in scientific notation: {@code 1.23e-05}; exact zero as {@code 0}. */
    public String error(double e) {
        if (!Double.isFinite(e)) {
            return nonFinite(e);
        }
        if (e == 0) {
            return "0";
        }
        return String.format(Locale.ROOT, "%.2e", e);
    }

    /** Cosine similarity: enough digits to tell 0.99999 from 1 ({@code 0.999987}). */
    public String cosine(double c) {
        if (!Double.isFinite(c)) {
            return nonFinite(c);
        }
        return String.format(Locale.ROOT, "%.6f", c);
    }

    /** A fraction in [0, 1] as percent: {@code 98.12%}. */
    public String percent(double fraction) {
        if (!Double.isFinite(fraction)) {
            return nonFinite(fraction);
        }
        return String.format(Locale.ROOT, "%.2f%%", fraction * 100);
    }

    public String percent(OptionalDouble fraction) {
        return fraction.isPresent() ? percent(fraction.getAsDouble()) : absent();
    }

    /** Relative change from {@code from} to {@code to}: {@code -45.1%}, {@code +0.3%}, {@code 0.0%}. */
    public String change(long from, long to) {
        if (from == 0) {
            return to == 0 ? "0.0%" : absent();
        }
        double pct = 100.0 * (to - from) / from;
        return signed(pct, "%.1f") + "%";
    }

    /**
     * Accuracy change in percentage points, {@code to - from} where both are fractions: {@code -0.35},
     * {@code +0.02}, {@code 0.00}.
     */
    public String points(double fromFraction, double toFraction) {
        double d = (toFraction - fromFraction) * 100;
        if (!Double.isFinite(d)) {
            return nonFinite(d);
        }
        return signed(d, "%.2f");
    }

    /** Latency: {@code 0.842 ms}, {@code 12.4 ms}, {@code 1234 ms}; absent when not measured (NaN). */
    public String millis(double ms) {
        if (Double.isNaN(ms)) {
            return absent();   // latency is NaN only when it was not measured (--latency off)
        }
        if (!Double.isFinite(ms)) {
            return nonFinite(ms);
        }
        String digits = ms >= 100 ? "%.0f" : ms >= 10 ? "%.1f" : ms >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, digits, ms) + " ms";
    }

    /** Speed-up of {@code ms} against {@code baselineMs}: {@code 1.92×}; above 1 means faster. */
    public String speedup(double baselineMs, double ms) {
        if (!(ms > 0) || !(baselineMs > 0) || !Double.isFinite(ms) || !Double.isFinite(baselineMs)) {
            return absent();
        }
        return String.format(Locale.ROOT, "%.2f", baselineMs / ms) + times();
    }

    /**
     * A step's speed against the input model: {@code 1.92×} for a difference the interleaved rounds
     * resolved, {@code ≈ same} (ASCII {@code ~same}) when the interval holds 1 or the difference is noise,
     * {@code 1.05×?} when too few rounds ran to tell. Reports without a comparison fall back to
     * {@link #speedup}.
     */
    public String speed(PipelineReport.StepReport s, double baselineMs) {
        if (s.speed().isEmpty()) {
            return speedup(baselineMs, s.latencyMs());
        }
        LatencyComparison c = s.speed().get();
        return switch (c.verdict()) {
            case SAME -> sameText();
            case UNCERTAIN -> String.format(Locale.ROOT, "%.2f", c.speedup()) + times() + "?";
            default -> String.format(Locale.ROOT, "%.2f", c.speedup()) + times();
        };
    }

    /** Whether a step is measurably slower than the input model: the only latency worth colouring as a loss. */
    public static boolean slower(PipelineReport.StepReport s) {
        return s.speed().map(c -> c.verdict() == LatencyComparison.Verdict.SLOWER).orElse(false);
    }

    /** Whether a step is measurably faster than the input model. */
    public static boolean faster(PipelineReport.StepReport s) {
        return s.speed().map(c -> c.verdict() == LatencyComparison.Verdict.FASTER).orElse(false);
    }

    /** Wall time: {@code 0.42 s}, {@code 12.3 s}, {@code 2 min 05 s}. */
    public String seconds(double s) {
        if (!Double.isFinite(s)) {
            return nonFinite(s);
        }
        if (s < 10) {
            return String.format(Locale.ROOT, "%.2f s", s);
        }
        if (s < 120) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        long whole = Math.round(s);
        return String.format(Locale.ROOT, "%d min %02d s", whole / 60, whole % 60);
    }

    /** A statistic or check bound as written by a person: integers without {@code .0}, others compact. */
    public String number(Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                return nonFinite(d);
            }
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return Long.toString((long) d);
            }
            double abs = Math.abs(d);
            if (abs >= 1e-3 && abs < 1e6) {
                return stripZeros(String.format(Locale.ROOT, "%.6f", d));
            }
            return String.format(Locale.ROOT, "%.3e", d);
        }
        return n.toString();
    }

    /** The value a check measured, formatted for its metric. */
    public String metric(String metric, double value) {
        return switch (metric) {
            case "max_abs_error", "max_rel_error" -> error(value);
            case "cosine" -> cosine(value);
            case "top1_agreement", "accuracy" -> percent(value);
            default -> number(value);
        };
    }

    public String check(boolean passed) {
        if (ascii) {
            return passed ? "ok" : "FAIL";
        }
        return passed ? "\u2713" : "\u2717";
    }

    /** The verdict mark of a step: a tick only when every check held and nothing needs a warning. */
    public String verdict(PipelineReport.VerdictLevel level) {
        return switch (level) {
            case OK -> check(true);
            case WARNING -> ascii ? "WARN" : "\u26a0";
            case BREACH -> check(false);
        };
    }

    /** "≈ same": a latency difference within the measurement's noise. */
    public String sameText() {
        return ascii ? "~same" : "\u2248 same";
    }

    public String times() {
        return ascii ? "x" : "\u00d7";
    }

    public String arrow() {
        return ascii ? "->" : "\u2192";
    }

    public String optional(Optional<String> s) {
        return s.orElse(absent());
    }

    private String signed(double v, String digits) {
        String body = String.format(Locale.ROOT, digits, Math.abs(v));
        // "-0.0" and "+0.0" both read as noise: a change that rounds to zero has no sign
        if (Double.parseDouble(body) == 0) {
            return body;
        }
        // ASCII hyphen even in Unicode mode: numbers stay copy-pastable into a spreadsheet
        return (v < 0 ? "-" : "+") + body;
    }

    private static String stripZeros(String s) {
        if (!s.contains(".")) {
            return s;
        }
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String nonFinite(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        return d > 0 ? "inf" : "-inf";
    }
}
