package dev.onnxpress.dsl;

import java.util.Objects;

/** One line of a verify or tolerance block. */
public sealed interface Check {

    /** Which model a check compares against. */
    enum Ref {
        /** The model as it was read, before any step (the default). */
        ORIGINAL,
        /** The model as it was before this step. */
        PREVIOUS
    }

    /** How a measured metric must relate to its bound. */
    enum Comparison {
        LE("<="), GE(">="), LT("<"), GT(">");

        private final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        /** True when {@code measured} satisfies {@code measured <op> bound}. NaN never does. */
        public boolean holds(double measured, double bound) {
            return switch (this) {
                case LE -> measured <= bound;
                case GE -> measured >= bound;
                case LT -> measured < bound;
                case GT -> measured > bound;
            };
        }
    }

    Ref ref();

    SourceLocation location();

    /** {@code metric <op> bound}, e.g. {@code max_abs_error vs previous <= 1e-4}. */
    record MetricCheck(String metric, Comparison op, Value bound, Ref ref, SourceLocation location)
            implements Check {
        public MetricCheck {
            Objects.requireNonNull(metric, "metric");
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(bound, "bound");
            Objects.requireNonNull(ref, "ref");
            Objects.requireNonNull(location, "location");
        }
    }

    /**
     * {@code accuracy max_drop X}: accuracy may fall at most X below the reference. X is kept as
     * written: a {@link Value.Percent} ({@code 1%}, percentage points) or a {@link Value.Num}
     * (a fraction, {@code 0.01}); the binder interprets it.
     */
    record AccuracyCheck(Value maxDrop, Ref ref, SourceLocation location) implements Check {
        public AccuracyCheck {
            Objects.requireNonNull(maxDrop, "maxDrop");
            Objects.requireNonNull(ref, "ref");
            Objects.requireNonNull(location, "location");
        }
    }
}
