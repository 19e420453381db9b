package dev.onnxpress.ir;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The type of a value as ONNX declares it: tensor, sparse tensor, sequence, map, optional or opaque. */
public sealed interface ValueType {

    /** A dense tensor; {@code shape} is empty when even the rank is unknown. */
    record TensorType(DataType elemType, Optional<List<Dim>> shape) implements ValueType {
        public TensorType {
            shape = shape.map(List::copyOf);
        }

        public static TensorType of(DataType elem, List<Dim> dims) {
            return new TensorType(elem, Optional.of(dims));
        }

        public static TensorType of(DataType elem, long... dims) {
            return new TensorType(elem, Optional.of(java.util.Arrays.stream(dims).mapToObj(Dim::of)
                    .map(Dim.class::cast).toList()));
        }

        public static TensorType unranked(DataType elem) {
            return new TensorType(elem, Optional.empty());
        }

        public Optional<Integer> rank() {
            return shape.map(List::size);
        }

        /** Dims with -1 for unknown or symbolic, or empty when the rank is unknown. */
        public Optional<long[]> knownDims() {
            return shape.map(s -> s.stream().mapToLong(d -> d.sizeOr(-1)).toArray());
        }

        public boolean isFullyKnown() {
            return shape.isPresent() && shape.get().stream().allMatch(Dim::isKnown);
        }

        @Override
        public String toString() {
            return elemType.displayName() + shape.map(s -> s.stream().map(Object::toString)
                    .collect(Collectors.joining(",", "[", "]"))).orElse("[?]");
        }
    }

    record SparseTensorType(DataType elemType, Optional<List<Dim>> shape) implements ValueType {
        public SparseTensorType {
            shape = shape.map(List::copyOf);
        }
    }

    record SequenceType(Optional<ValueType> elemType) implements ValueType {
    }

    record MapType(DataType keyType, Optional<ValueType> valueType) implements ValueType {
    }

    record OptionalType(Optional<ValueType> elemType) implements ValueType {
    }

    record OpaqueType(String domain, String name) implements ValueType {
    }

    /** No type information at all (a ValueInfo without a type). */
    record Unspecified() implements ValueType {
    }

    default Optional<TensorType> asTensor() {
        return this instanceof TensorType t ? Optional.of(t) : Optional.empty();
    }
}
