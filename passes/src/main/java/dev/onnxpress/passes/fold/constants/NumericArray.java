package dev.onnxpress.passes.fold.constants;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tensor's numbers for arithmetic: doubles for floating-point types, longs for integer and bool types
 * (int64 values such as INT64_MAX in Slice ends do not survive a trip through double).
 */
record NumericArray(DataType type, long[] dims, double[] reals, long[] ints) {

    static boolean supports(DataType t) {
        return t == DataType.FLOAT || t == DataType.DOUBLE || t == DataType.FLOAT16 || t == DataType.BFLOAT16
                || isIntegral(t);
    }

    static boolean isIntegral(DataType t) {
        return t == DataType.INT8 || t == DataType.UINT8 || t == DataType.INT16 || t == DataType.UINT16
                || t == DataType.INT32 || t == DataType.UINT32 || t == DataType.INT64 || t == DataType.BOOL;
    }

    boolean integral() {
        return ints != null;
    }

    int size() {
        return integral() ? ints.length : reals.length;
    }

    double real(int i) {
        return integral() ? ints[i] : reals[i];
    }

    long integer(int i) {
        return integral() ? ints[i] : (long) reals[i];
    }

    static NumericArray of(Tensor t) {
        if (isIntegral(t.dataType())) {
            return new NumericArray(t.dataType(), t.dims(), null, t.toLongArray());
        }
        return new NumericArray(t.dataType(), t.dims(), t.toDoubleArray(), null);
    }

    static NumericArray reals(DataType type, long[] dims, double[] v) {
        return new NumericArray(type, dims, v, null);
    }

    static NumericArray ints(DataType type, long[] dims, long[] v) {
        return new NumericArray(type, dims, null, v);
    }

    /** This array's values converted to {@code to} (floats truncate toward zero into integers, as C casts). */
    NumericArray cast(DataType to) {
        int n = size();
        if (isIntegral(to)) {
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = to == DataType.BOOL ? (real(i) != 0 ? 1 : 0) : wrap(integral() ? ints[i] : (long) reals[i], to);
            }
            return ints(to, dims, out);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = real(i);
        }
        return reals(to, dims, out);
    }

    private static long wrap(long v, DataType t) {
        return switch (t) {
            case INT8 -> (byte) v;
            case UINT8 -> v & 0xff;
            case INT16 -> (short) v;
            case UINT16 -> v & 0xffff;
            case INT32 -> (int) v;
            case UINT32 -> v & 0xffffffffL;
            default -> v;
        };
    }

    Tensor toTensor() {
        if (!integral()) {
            return Tensor.of(type, dims, reals);
        }
        int n = ints.length;
        int bytes = (int) type.byteSize(n);
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : ints) {
            switch (type.bits()) {
                case 8 -> b.put((byte) v);
                case 16 -> b.putShort((short) v);
                case 32 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return Tensor.ofRaw(type, dims, b.array());
    }
}
