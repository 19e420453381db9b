package dev.onnxpress.dsl;

import java.util.List;
import java.util.Objects;

/**
 * An argument value as written. The parser does not know parameter types: a bare word may be an
 * enum constant, a data set name or a loop variable, and the binder decides.
 */
public sealed interface Value permits Value.Num, Value.Percent, Value.Str, Value.Bool, Value.ListValue, SetOperand {

    SourceLocation location();

    /**
     * A number. {@code text} is the source spelling ({@code 1e-4}, {@code -3}, {@code 1/255}) so
     * the printer reproduces it and reports show what the user wrote.
     */
    record Num(double value, String text, SourceLocation location) implements Value {
        public Num {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(location, "location");
        }

        /** A number built in code, spelled the shortest way that reads back to the same double. */
        public static Num of(double value) {
            return new Num(value, spell(value), SourceLocation.UNKNOWN);
        }

        /** True when the value is a whole number that fits an int (versions, counts, bits). */
        public boolean isInt() {
            return value == Math.rint(value) && Math.abs(value) <= Integer.MAX_VALUE;
        }

        static String spell(double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("a recipe number must be finite: " + value);
            }
            if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                return Long.toString((long) value);
            }
            return Double.toString(value);
        }
    }

    /** {@code 30%}: {@code percent} is 30.0, as written; {@link #fraction()} is 0.3. */
    record Percent(double percent, String text, SourceLocation location) implements Value {
        public Percent {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(location, "location");
        }

        public static Percent of(double percent) {
            return new Percent(percent, Num.spell(percent) + "%", SourceLocation.UNKNOWN);
        }

        public double fraction() {
            return percent / 100.0;
        }
    }

    /** A double-quoted string, escapes resolved. */
    record Str(String value, SourceLocation location) implements Value {
        public Str {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(location, "location");
        }
    }

    record Bool(boolean value, SourceLocation location) implements Value {
        public Bool {
            Objects.requireNonNull(location, "location");
        }
    }

    /** A bare word: enum constant ({@code entropy}), data set name or loop variable. */
    record Word(String text, SourceLocation location) implements SetOperand {
        public Word {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(location, "location");
        }
    }

    /** {@code [a, b, c]}. */
    record ListValue(List<Value> items, SourceLocation location) implements Value {
        public ListValue {
            items = List.copyOf(items);
            Objects.requireNonNull(location, "location");
        }
    }
}
