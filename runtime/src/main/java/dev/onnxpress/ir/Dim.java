package dev.onnxpress.ir;

/** One dimension of a tensor type: a known size, a named symbolic size, or unknown. */
public sealed interface Dim {
    record Known(long size) implements Dim {
        @Override
        public String toString() {
            return Long.toString(size);
        }
    }

    record Symbolic(String name) implements Dim {
        @Override
        public String toString() {
            return name;
        }
    }

    record Unknown() implements Dim {
        @Override
        public String toString() {
            return "?";
        }
    }

    static Dim of(long size) {
        return new Known(size);
    }

    static Dim of(String name) {
        return new Symbolic(name);
    }

    static Dim unknown() {
        return new Unknown();
    }

    default boolean isKnown() {
        return this instanceof Known;
    }

    /** The size, or -1 when not known. */
    default long sizeOr(long fallback) {
        return this instanceof Known k ? k.size() : fallback;
    }
}
