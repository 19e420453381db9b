package dev.onnxpress.tune;

import dev.onnxpress.error.UserException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The search's time limit ({@code --time 30m}). The search asks {@link #allows(double)} before each
 * evaluation with the time that evaluation is expected to take, and keeps {@link #reserve} for the final
 * verification on the held-out split, so the whole command ends within the limit. A prediction can be
 * wrong (a family's first evaluation, a machine that got busier): {@link #run} runs the evaluation on its
 * own thread and abandons it at the reserve, interrupting it, so one long evaluation cannot overrun.
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

    /**
     * Part of the limit kept back besides the reserve: what runs after the search shares the machine with an
     * abandoned evaluation until that one notices it was interrupted, and predictions are predictions.
     */
    static final double MARGIN = 0.05;

    /** Time kept back for what must run after the search (the final verification), plus {@link #MARGIN}. */
    public void reserve(double seconds) {
        reserveSeconds = Math.max(0, seconds) + MARGIN * limitSeconds();
    }

    /** Seconds left before the reserve (negative when already past it). */
    public double availableSeconds() {
        return remainingSeconds() - reserveSeconds;
    }

    /**
     * Runs {@code work} when {@code expectedSeconds} still fit before the reserve, on a thread of its own; when
     * it is still running at the reserve, interrupts it and returns empty without waiting for it (the work must
     * not publish what it computes after an interrupt). Empty too when the work does not fit at all. What the
     * work throws is thrown here.
     */
    public <T> Optional<T> run(double expectedSeconds, Supplier<T> work) {
        if (!allows(expectedSeconds)) {
            return Optional.empty();
        }
        FutureTask<T> task = new FutureTask<>(work::get);
        Thread t = new Thread(task, "tune evaluation");
        t.setDaemon(true);
        t.start();
        try {
            return Optional.ofNullable(task.get(Math.max(0, (long) (availableSeconds() * 1e9)), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            task.cancel(true);
            return Optional.empty();
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** True when an evaluation expected to take {@code expectedSeconds} still fits before the reserve. */
    public boolean allows(double expectedSeconds) {
        return remainingSeconds() - reserveSeconds >= expectedSeconds;
    }
}
