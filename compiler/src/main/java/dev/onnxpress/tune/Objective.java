package dev.onnxpress.tune;

import dev.onnxpress.error.UserException;
import java.util.Locale;

/** What {@code tune} makes smaller: file bytes, multiply-accumulates, or batch-1 latency. Lower is better. */
public enum Objective {
    SIZE("bytes"), MACS("MACs"), LATENCY("ms");

    private final String unit;

    Objective(String unit) {
        this.unit = unit;
    }

    public static Objective parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new UserException("--objective " + s + ": give size, macs or latency");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String unit() {
        return unit;
    }

    /** The measured value; NaN when unknown. */
    public double value(Measurement m) {
        return switch (this) {
            case SIZE -> m.bytes();
            case MACS -> m.macs() < 0 ? Double.NaN : m.macs();
            case LATENCY -> m.latencyMs();
        };
    }

    /** How many times smaller than the original (1 = no gain); NaN when unknown. */
    public double ratio(Measurement m, Measurement original) {
        double v = value(m);
        double v0 = value(original);
        return v > 0 ? v0 / v : Double.NaN;
    }
}
