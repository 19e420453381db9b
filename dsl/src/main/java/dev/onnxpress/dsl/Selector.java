package dev.onnxpress.dsl;

import java.util.Objects;

/**
 * A set of graph nodes: {@code all}, {@code op("Conv")}, {@code name("*head*")}, combined with
 * {@code +} (union), {@code -} (difference) and {@code &} (intersection). The DSL knows no graph:
 * the compiler evaluates selectors, matching patterns with {@link Glob}.
 */
public sealed interface Selector extends SetOperand {

    /** Every node. */
    record AllSel(SourceLocation location) implements Selector {
        public AllSel {
            Objects.requireNonNull(location, "location");
        }
    }

    /** Nodes whose op type matches the glob {@code pattern} ({@code "Conv"}, {@code "Q*"}). */
    record OpSel(String pattern, SourceLocation location) implements Selector {
        public OpSel {
            Objects.requireNonNull(pattern, "pattern");
            Objects.requireNonNull(location, "location");
        }

        public Glob glob() {
            return new Glob(pattern);
        }
    }

    /** Nodes whose name matches {@code glob} ({@code "*features.6/MaxPool"}). */
    record NameSel(String glob, SourceLocation location) implements Selector {
        public NameSel {
            Objects.requireNonNull(glob, "glob");
            Objects.requireNonNull(location, "location");
        }

        public Glob compiled() {
            return new Glob(glob);
        }
    }

    /** {@code left + right}. */
    record Union(SetOperand left, SetOperand right, SourceLocation location) implements Selector {
        public Union {
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
            Objects.requireNonNull(location, "location");
        }
    }

    /** {@code left - right}. */
    record Difference(SetOperand left, SetOperand right, SourceLocation location) implements Selector {
        public Difference {
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
            Objects.requireNonNull(location, "location");
        }
    }

    /** {@code left & right}. */
    record Intersection(SetOperand left, SetOperand right, SourceLocation location) implements Selector {
        public Intersection {
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
            Objects.requireNonNull(location, "location");
        }
    }
}
