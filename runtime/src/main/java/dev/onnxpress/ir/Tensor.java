package dev.onnxpress.ir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable tensor: element type, dimensions and data.
 *
 * <p>Data is lazy. A tensor read from a file keeps its source (the message it came from, or a range of
 * an external data file) and is only decoded when a pass asks for its values; a tensor never decoded is
 * written back as the exact bytes it was read from. Sizes are {@code long}; one tensor's raw data must
 * fit in a Java array (2 GB), a model may hold any number of them.
 */
public final class Tensor {
    private final DataType type;
    private final long[] dims;
    private final TensorData data;
    private final String name;

    Tensor(DataType type, long[] dims, TensorData data, String name) {
        this.type = Objects.requireNonNull(type);
        this.dims = dims.clone();
        this.data = Objects.requireNonNull(data);
        this.name = name == null ? "" : name;
    }

    // ---------------------------------------------------------------- factories

    /** A tensor over little-endian raw bytes (the ONNX {@code raw_data} layout). The array is not copied. */
    public static Tensor ofRaw(DataType type, long[] dims, byte[] raw) {
        if (type == DataType.STRING) {
            throw new IllegalArgumentException("string tensors have no raw form; use ofStrings");
        }
        long expected = type.byteSize(elementCount(dims));
        if (raw.length != expected) {
            throw new IllegalArgumentException("raw data of " + raw.length + " bytes for a " + type.displayName()
                    + " tensor of shape " + Arrays.toString(dims) + " (expected " + expected + ")");
        }
        return new Tensor(type, dims, new TensorData.Raw(raw), "");
    }

    public static Tensor ofFloats(long[] dims, float... values) {
        checkCount(dims, values.length);
        ByteBuffer b = le(values.length * 4L);
        b.asFloatBuffer().put(values);
        return new Tensor(DataType.FLOAT, dims, new TensorData.Raw(b.array()), "");
    }

    public static Tensor ofDoubles(long[] dims, double... values) {
        checkCount(dims, values.length);
        ByteBuffer b = le(values.length * 8L);
        b.asDoubleBuffer().put(values);
        return new Tensor(DataType.DOUBLE, dims, new TensorData.Raw(b.array()), "");
    }

    public static Tensor ofLongs(long[] dims, long... values) {
        checkCount(dims, values.length);
        ByteBuffer b = le(values.length * 8L);
        b.asLongBuffer().put(values);
        return new Tensor(DataType.INT64, dims, new TensorData.Raw(b.array()), "");
    }

    public static Tensor ofInts(long[] dims, int... values) {
        checkCount(dims, values.length);
        ByteBuffer b = le(values.length * 4L);
        b.asIntBuffer().put(values);
        return new Tensor(DataType.INT32, dims, new TensorData.Raw(b.array()), "");
    }

    /** int8, uint8 or bool data, one byte per element. */
    public static Tensor ofBytes(DataType type, long[] dims, byte... values) {
        if (type.bits() != 8) {
            throw new IllegalArgumentException("ofBytes takes 8-bit types, not " + type.displayName());
        }
        checkCount(dims, values.length);
        return new Tensor(type, dims, new TensorData.Raw(values.clone()), "");
    }

    public static Tensor ofStrings(long[] dims, List<byte[]> values) {
        checkCount(dims, values.size());
        List<byte[]> copy = new ArrayList<>(values.size());
        for (byte[] v : values) {
            copy.add(v.clone());
        }
        return new Tensor(DataType.STRING, dims, new TensorData.Strings(List.copyOf(copy)), "");
    }

    /**
     * Values given as doubles, stored in {@code type}: floats are rounded to the type (float16 and
     * bfloat16 round to nearest even), integers are rounded and saturated to the type's range.
     */
    public static Tensor of(DataType type, long[] dims, double[] values) {
        checkCount(dims, values.length);
        int n = values.length;
        switch (type) {
            case FLOAT: {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) values[i];
                }
                return ofFloats(dims, f);
            }
            case DOUBLE:
                return ofDoubles(dims, values);
            case FLOAT16:
            case BFLOAT16: {
                ByteBuffer b = le(n * 2L);
                for (int i = 0; i < n; i++) {
                    float f = (float) values[i];
                    b.putShort(type == DataType.FLOAT16 ? Float16.fromFloat(f) : Float16.floatToBfloat16(f));
                }
                return new Tensor(type, dims, new TensorData.Raw(b.array()), "");
            }
            case INT8: case UINT8: case BOOL: case INT16: case UINT16: case INT32: case UINT32: case INT64:
            case UINT64: {
                ByteBuffer b = le(type.byteSize(n));
                for (int i = 0; i < n; i++) {
                    double v = type == DataType.BOOL ? (values[i] != 0 ? 1 : 0) : Math.rint(values[i]);
                    switch (type) {
                        case INT8 -> b.put((byte) clamp(v, -128, 127));
                        case UINT8, BOOL -> b.put((byte) clamp(v, 0, 255));
                        case INT16 -> b.putShort((short) clamp(v, Short.MIN_VALUE, Short.MAX_VALUE));
                        case UINT16 -> b.putShort((short) clamp(v, 0, 65535));
                        case INT32 -> b.putInt((int) clamp(v, Integer.MIN_VALUE, Integer.MAX_VALUE));
                        case UINT32 -> b.putInt((int) clamp(v, 0, 4294967295.0));
                        default -> b.putLong((long) v);
                    }
                }
                return new Tensor(type, dims, new TensorData.Raw(b.array()), "");
            }
            default:
                throw new IllegalArgumentException("cannot build a " + type.displayName() + " tensor from numbers");
        }
    }

    public static Tensor scalarFloat(float v) {
        return ofFloats(new long[0], v);
    }

    public static Tensor scalarLong(long v) {
        return ofLongs(new long[0], v);
    }

    // ---------------------------------------------------------------- shape

    public DataType dataType() {
        return type;
    }

    public long[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    public long elementCount() {
        return elementCount(dims);
    }

    /** Bytes of the data in raw form (strings: the sum of their lengths). */
    public long byteSize() {
        if (type == DataType.STRING) {
            long s = 0;
            for (byte[] v : strings()) {
                s += v.length;
            }
            return s;
        }
        return type.byteSize(elementCount());
    }

    /** The name this tensor had in the file, or "" (an initializer's name is its value's name). */
    public String name() {
        return name;
    }

    /** The same data under another name; the data stays shared (and undecoded). */
    public Tensor withName(String newName) {
        return new Tensor(type, dims, data, newName);
    }

    /** The same data with other dimensions of the same element count. */
    public Tensor reshape(long... newDims) {
        if (elementCount(newDims) != elementCount()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(dims) + " to "
                    + Arrays.toString(newDims));
        }
        return new Tensor(type, newDims, data, name);
    }

    /** True while the tensor still holds the exact encoding it was read with. */
    public boolean isOriginal() {
        return data instanceof TensorData.Proto || data instanceof TensorData.External;
    }

    TensorData data() {
        return data;
    }

    // ---------------------------------------------------------------- data

    /** The data in little-endian raw form; decodes typed fields and reads external files as needed. */
    public byte[] rawBytes() {
        if (type == DataType.STRING) {
            throw new IllegalStateException("string tensor has no raw form");
        }
        return data.raw(type, elementCount());
    }

    /** A read-only little-endian view of the raw data. */
    public ByteBuffer buffer() {
        if (type == DataType.STRING) {
            throw new IllegalStateException("string tensor has no raw form");
        }
        return data.view(type, elementCount()).order(ByteOrder.LITTLE_ENDIAN);
    }

    public List<byte[]> strings() {
        if (type != DataType.STRING) {
            throw new IllegalStateException(type.displayName() + " tensor has no string data");
        }
        return data.strings();
    }

    /** Values as float, converted from any real numeric type. */
    public float[] toFloatArray() {
        long n = elementCount();
        checkArraySize(n);
        float[] out = new float[(int) n];
        ByteBuffer b = buffer();
        if (type == DataType.FLOAT) {
            b.asFloatBuffer().get(out);
            return out;
        }
        double[] d = toDoubleArray();
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) d[i];
        }
        return out;
    }

    /** Values as double, converted from any real numeric type. */
    public double[] toDoubleArray() {
        long n = elementCount();
        checkArraySize(n);
        int count = (int) n;
        double[] out = new double[count];
        ByteBuffer b = buffer();
        if (type == DataType.FLOAT) {
            // bulk copy: per-element reads through a read-only buffer dominate weight folding otherwise
            float[] f = new float[count];
            b.asFloatBuffer().get(f);
            for (int i = 0; i < count; i++) {
                out[i] = f[i];
            }
            return out;
        }
        for (int i = 0; i < count; i++) {
            out[i] = switch (type) {
                case FLOAT -> b.getFloat(i * 4);
                case DOUBLE -> b.getDouble(i * 8);
                case FLOAT16 -> Float16.toFloat(b.getShort(i * 2));
                case BFLOAT16 -> Float16.bfloat16ToFloat(b.getShort(i * 2));
                case INT8 -> b.get(i);
                case UINT8, BOOL -> b.get(i) & 0xff;
                case INT16 -> b.getShort(i * 2);
                case UINT16 -> b.getShort(i * 2) & 0xffff;
                case INT32 -> b.getInt(i * 4);
                case UINT32 -> b.getInt(i * 4) & 0xffffffffL;
                case INT64 -> b.getLong(i * 8);
                case UINT64 -> {
                    long v = b.getLong(i * 8);
                    yield v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
                }
                default -> throw new IllegalStateException("no numeric view of " + type.displayName() + " tensors");
            };
        }
        return out;
    }

    /** Values as long (integer types; floats are truncated toward zero). */
    public long[] toLongArray() {
        long n = elementCount();
        checkArraySize(n);
        if (type == DataType.INT64 || type == DataType.UINT64) {
            long[] out = new long[(int) n];
            buffer().asLongBuffer().get(out);
            return out;
        }
        double[] d = toDoubleArray();
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (long) d[i];
        }
        return out;
    }

    public int[] toIntArray() {
        long[] l = toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = (int) l[i];
        }
        return out;
    }

    /** True when both have the same type, dims and data bytes. */
    public boolean contentEquals(Tensor other) {
        if (type != other.type || !Arrays.equals(dims, other.dims)) {
            return false;
        }
        if (type == DataType.STRING) {
            List<byte[]> a = strings();
            List<byte[]> b = other.strings();
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!Arrays.equals(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return buffer().equals(other.buffer());
    }

    /** SHA-256 over type, dims and data: equal digests mean equal content. */
    public String contentDigest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((byte) type.code());
            ByteBuffer d = ByteBuffer.allocate(8 * dims.length + 4);
            d.putInt(dims.length);
            for (long x : dims) {
                d.putLong(x);
            }
            md.update(d.array());
            if (type == DataType.STRING) {
                for (byte[] s : strings()) {
                    md.update(ByteBuffer.allocate(4).putInt(s.length).array());
                    md.update(s);
                }
            } else {
                md.update(buffer());
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where the data lives when it is still in an external file. */
    public Optional<ExternalLocation> externalLocation() {
        return data instanceof TensorData.External ext
                ? Optional.of(new ExternalLocation(ext.file(), ext.offset(), ext.length()))
                : Optional.empty();
    }

    @Override
    public String toString() {
        return "Tensor(" + type.displayName() + Arrays.toString(dims) + (name.isEmpty() ? "" : " " + name) + ")";
    }

    // ---------------------------------------------------------------- helpers

    public static long elementCount(long[] dims) {
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void checkCount(long[] dims, int count) {
        if (elementCount(dims) != count) {
            throw new IllegalArgumentException(count + " values for shape " + Arrays.toString(dims));
        }
    }

    private static void checkArraySize(long n) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor of " + n + " elements is too large for one array");
        }
    }

    private static ByteBuffer le(long bytes) {
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of " + bytes + " bytes is too large for one array");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** A range of an external data file. */
    public record ExternalLocation(java.nio.file.Path file, long offset, long length) {
    }
}
