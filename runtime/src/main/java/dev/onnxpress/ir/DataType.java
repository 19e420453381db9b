package dev.onnxpress.ir;

import java.util.Optional;

/** Element types of ONNX tensors, with the codes the ONNX format gives them. */
public enum DataType {
    UNDEFINED(0, 0),
    FLOAT(1, 32),
    UINT8(2, 8),
    INT8(3, 8),
    UINT16(4, 16),
    INT16(5, 16),
    INT32(6, 32),
    INT64(7, 64),
    STRING(8, 0),
    BOOL(9, 8),
    FLOAT16(10, 16),
    DOUBLE(11, 64),
    UINT32(12, 32),
    UINT64(13, 64),
    COMPLEX64(14, 64),
    COMPLEX128(15, 128),
    BFLOAT16(16, 16),
    FLOAT8E4M3FN(17, 8),
    FLOAT8E4M3FNUZ(18, 8),
    FLOAT8E5M2(19, 8),
    FLOAT8E5M2FNUZ(20, 8),
    UINT4(21, 4),
    INT4(22, 4),
    FLOAT4E2M1(23, 4);

    private final int code;
    private final int bits;

    DataType(int code, int bits) {
        this.code = code;
        this.bits = bits;
    }

    /** The ONNX {@code TensorProto.DataType} code. */
    public int code() {
        return code;
    }

    /** Bits per element; 0 for STRING and UNDEFINED. */
    public int bits() {
        return bits;
    }

    public static Optional<DataType> fromCode(int code) {
        for (DataType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Bytes that {@code count} elements take in raw (little-endian, packed for 4-bit types) form. */
    public long byteSize(long count) {
        return (count * bits + 7) / 8;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT || this == FLOAT16 || this == DOUBLE || this == BFLOAT16
                || this == FLOAT8E4M3FN || this == FLOAT8E4M3FNUZ || this == FLOAT8E5M2
                || this == FLOAT8E5M2FNUZ || this == FLOAT4E2M1;
    }

    public boolean isInteger() {
        return this == UINT8 || this == INT8 || this == UINT16 || this == INT16 || this == INT32
                || this == INT64 || this == UINT32 || this == UINT64 || this == UINT4 || this == INT4;
    }

    /** Lower-case name as ONNX tools print it: float, float16, int64 … */
    public String displayName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
