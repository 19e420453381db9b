package dev.onnxpress.ort;

import dev.onnxpress.ir.DataType;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;

/**
 * A model input or output as ORT sees it. {@code shape} holds -1 for a dimension that is not fixed;
 * {@code dimNames} holds its symbolic name ("" when none). A non-tensor value (sequence, map) has type
 * {@link DataType#UNDEFINED} and an empty shape.
 */
public record IoInfo(String name, DataType type, long[] shape, List<String> dimNames) {
    public IoInfo {
        shape = shape.clone();
        dimNames = List.copyOf(dimNames);
        if (dimNames.size() != shape.length) {
            throw new IllegalArgumentException("dimNames " + dimNames + " for shape " + Arrays.toString(shape));
        }
    }

    public IoInfo(String name, DataType type, long[] shape) {
        this(name, type, shape, java.util.Collections.nCopies(shape.length, ""));
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public boolean isTensor() {
        return type != DataType.UNDEFINED;
    }

    /** True when every dimension is fixed. */
    public boolean isStatic() {
        return Arrays.stream(shape).allMatch(d -> d >= 0);
    }

    /** "[batch,1,28,28]": symbolic dims by name, unnamed unknown dims as "?". */
    public String shapeText() {
        StringJoiner j = new StringJoiner(",", "[", "]");
        for (int i = 0; i < shape.length; i++) {
            j.add(shape[i] >= 0 ? Long.toString(shape[i]) : dimNames.get(i).isEmpty() ? "?" : dimNames.get(i));
        }
        return j.toString();
    }

    /** "float [batch,1,28,28]". */
    public String describe() {
        return (isTensor() ? type.displayName() : "non-tensor") + " " + shapeText();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IoInfo i && name.equals(i.name) && type == i.type && Arrays.equals(shape, i.shape)
                && dimNames.equals(i.dimNames);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + ": " + describe();
    }

    /** "[2,3]" for concrete dims. */
    public static String dimsText(long[] dims) {
        StringJoiner j = new StringJoiner(",", "[", "]");
        for (long d : dims) {
            j.add(Long.toString(d));
        }
        return j.toString();
    }
}
