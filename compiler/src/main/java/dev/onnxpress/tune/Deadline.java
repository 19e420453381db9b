package dev.onnxpress.tune;

import dev.onnxpress.error.UserException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The search's time limit ({@code --time 30m}). The search asks {@link #allows(double)} before each
 * evaluation with the time that evaluation is expected to take, and keeps {@link #reserve} for the final
 * verification on the held-out split, so the whole command ends within the limit.
 */
public final class Deadline {
    private final long startNanos;
    private final long limitNanos;
    private final LongSupplier clock;
    private double reserveSeconds;

    public Deadline(Duration limit, LongSupplier clock) {
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.limitNanos = limit.toNanos();
    }

    public static Deadline of(Duration limit) {
        return new Deadline(limit, System::nanoTime);
    }

    /** {@code 30m}, {@code 90s}, {@code 1h}, {@code 1h30m}, or plain seconds. */
    public static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.matches("\\d+(\\.\\d+)?")) {
                return Duration.ofMillis((long) (Double.parseDouble(t) * 1000));
            }
            if (!t.matches("(\\d+(\\.\\d+)?[hms])+")) {
                throw new NumberFormatException();
            }
            double seconds = 0;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)([hms])").matcher(t);
            while (m.find()) {
                double v = Double.parseDouble(m.group(1));
                seconds += switch (m.group(2)) {
                    case "h" -> v * 3600;
                    case "m" -> v * 60;
                    default -> v;
                };
            }
            if (seconds <= 0) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis((long) (seconds * 1000));
        } catch (NumberFormatException e) {
            throw new UserException("--time " + text + ": give a positive duration such as 90s, 30m or 1h");
        }
    }

    public double elapsedSeconds() {
        return (clock.getAsLong() - startNanos) / 1e9;
    }

    public double limitSeconds() {
        return limitNanos / 1e9;
    }

    public double remainingSeconds() {
        return limitSeconds() - elapsedSeconds();
    }

    /** Time kept back for what must run after the search (the final verification). */
    public void reserve(double seconds) {
        reserveSeconds = Math.max(0, seconds);
    }

    /** True when an evaluation expected to take {@code expectedSeconds} still fits before the reserve. */
    public boolean allows(double expectedSeconds) {
        return remainingSeconds() - reserveSeconds >= expectedSeconds;
    }
}
