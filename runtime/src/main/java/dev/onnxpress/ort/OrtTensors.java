package dev.onnxpress.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Tensor ⇄ OnnxTensor. Numeric data goes through one direct, native-order ByteBuffer per tensor (ORT
 * wraps a direct buffer without another copy; every platform ORT ships for is little-endian, the
 * layout {@link Tensor#rawBytes()} uses). ORT's Java API has no unsigned 16/32/64-bit or 8/4-bit float
 * element types: such tensors can neither be fed nor fetched from Java.
 */
public final class OrtTensors {
    private OrtTensors() {
    }

    /**
     * The element type of an ORT tensor type. ORT Java numbers its enum in its own order (FLOAT is 10,
     * not ONNX's 1), so the mapping goes by name.
     */
    public static DataType dataType(TensorInfo.OnnxTensorType t) {
        String n = t.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "");
        try {
            return DataType.valueOf(n);
        } catch (IllegalArgumentException e) {
            return DataType.UNDEFINED;
        }
    }

    /** ORT's Java element type for {@code type}, if ORT's Java API can carry it. */
    public static Optional<OnnxJavaType> javaType(DataType type) {
        return Optional.ofNullable(switch (type) {
            case FLOAT -> OnnxJavaType.FLOAT;
            case DOUBLE -> OnnxJavaType.DOUBLE;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case BFLOAT16 -> OnnxJavaType.BFLOAT16;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT16 -> OnnxJavaType.INT16;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case BOOL -> OnnxJavaType.BOOL;
            case STRING -> OnnxJavaType.STRING;
            default -> null;
        });
    }

    public static boolean supported(DataType type) {
        return javaType(type).isPresent();
    }

    /** A new OnnxTensor holding a copy of {@code t}; the caller closes it. */
    public static OnnxTensor toOrt(OrtEnvironment env, Tensor t, String what) throws OrtException {
        DataType type = t.dataType();
        OnnxJavaType jt = javaType(type).orElseThrow(() -> new UserException(
                what + " is " + type.displayName() + ", a type ONNX Runtime's Java API cannot carry"));
        long[] dims = t.dims();
        if (type == DataType.STRING) {
            List<byte[]> values = t.strings();
            String[] s = new String[values.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = new String(values.get(i), StandardCharsets.UTF_8);
            }
            return OnnxTensor.createTensor(env, s, dims);
        }
        byte[] raw = t.rawBytes();
        ByteBuffer direct = ByteBuffer.allocateDirect(raw.length).order(ByteOrder.nativeOrder());
        direct.put(raw).rewind();
        return OnnxTensor.createTensor(env, direct, dims, jt);
    }

    /** A copy of an ORT tensor's data as an immutable Tensor named {@code name}. */
    public static Tensor fromOrt(OnnxTensor t, String name) throws OrtException {
        TensorInfo info = t.getInfo();
        DataType type = dataType(info.onnxType);
        long[] dims = info.getShape();
        if (!supported(type)) {
            throw new UserException("output '" + name + "' is " + type.displayName()
                    + ", a type ONNX Runtime's Java API cannot fetch");
        }
        if (type == DataType.STRING) {
            List<byte[]> values = new ArrayList<>();
            flattenStrings(t.getValue(), values);
            return Tensor.ofStrings(dims, values).withName(name);
        }
        ByteBuffer b = t.getByteBuffer();
        byte[] raw = new byte[b.remaining()];
        b.get(raw);
        return Tensor.ofRaw(type, dims, raw).withName(name);
    }

    private static void flattenStrings(Object value, List<byte[]> out) {
        if (value instanceof String s) {
            out.add(s.getBytes(StandardCharsets.UTF_8));
        } else if (value != null && value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                flattenStrings(Array.get(value, i), out);
            }
        }
    }
}
