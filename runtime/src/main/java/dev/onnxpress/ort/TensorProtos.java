package dev.onnxpress.ort;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.proto.Onnx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Single {@code TensorProto} messages ⇄ {@link Tensor}, for test data files ({@code input_0.pb}) and
 * tap type inference. Data may be in {@code raw_data} or in the typed field the ONNX format assigns to
 * the element type (int32_data also carries 8/16-bit integers, bool and float16/bfloat16 bit patterns;
 * uint64_data carries uint32). Data in external files is not read here.
 */
public final class TensorProtos {
    private TensorProtos() {
    }

    /** Reads a file holding one serialized TensorProto. */
    public static Tensor read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserException("tensor file not found: " + file);
        } catch (IOException e) {
            throw new UserException("cannot read tensor file " + file + ": " + e.getMessage());
        }
        Onnx.TensorProto proto;
        try {
            proto = Onnx.TensorProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new UserException(file + " is not a serialized ONNX TensorProto: " + e.getMessage());
        }
        if (!proto.hasDataType() && proto.getDimsCount() == 0) {
            throw new UserException(file + " is not a serialized ONNX TensorProto (no data type, no dims)");
        }
        try {
            return toTensor(proto);
        } catch (UserException e) {
            throw new UserException(file + ": " + e.getMessage());
        }
    }

    public static Tensor toTensor(Onnx.TensorProto p) {
        String what = "tensor" + (p.getName().isEmpty() ? "" : " '" + p.getName() + "'");
        DataType type = DataType.fromCode(p.getDataType())
                .filter(t -> t != DataType.UNDEFINED)
                .orElseThrow(() -> new UserException(what + " has unknown data type " + p.getDataType()));
        long[] dims = new long[p.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = p.getDims(i);
            if (dims[i] < 0) {
                throw new UserException(what + " has a negative dimension " + dims[i]);
            }
        }
        if (p.hasSegment()) {
            throw new UserException(what + " is a segment of a larger tensor, which onnxpress does not read");
        }
        if (p.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
            throw new UserException(what + " keeps its data in an external file, which is not read here");
        }
        long count;
        try {
            count = Tensor.elementCount(dims);
        } catch (ArithmeticException e) {
            throw new UserException(what + " has too many elements");
        }
        if (type == DataType.STRING) {
            List<byte[]> values = new ArrayList<>(p.getStringDataCount());
            for (ByteString s : p.getStringDataList()) {
                values.add(s.toByteArray());
            }
            requireCount(what, values.size(), count);
            return Tensor.ofStrings(dims, values).withName(p.getName());
        }
        long bytes = type.byteSize(count);
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new UserException(what + " of " + bytes + " bytes is too large");
        }
        if (p.hasRawData()) {
            if (p.getRawData().size() != bytes) {
                throw new UserException(what + " holds " + p.getRawData().size() + " bytes of raw data where "
                        + type.displayName() + " " + IoInfo.dimsText(dims) + " needs " + bytes);
            }
            return Tensor.ofRaw(type, dims, p.getRawData().toByteArray()).withName(p.getName());
        }
        byte[] data = typedFieldBytes(p, what, type, (int) count, (int) bytes);
        return Tensor.ofRaw(type, dims, data).withName(p.getName());
    }

    /** The little-endian bytes of a tensor whose values are in the typed fields (float_data, int32_data, …). */
    private static byte[] typedFieldBytes(Onnx.TensorProto p, String what, DataType type, int n, int bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT, COMPLEX64 -> {
                int k = type == DataType.FLOAT ? n : 2 * n;
                requireCount(what, p.getFloatDataCount(), k);
                for (int i = 0; i < k; i++) {
                    b.putFloat(p.getFloatData(i));
                }
            }
            case DOUBLE, COMPLEX128 -> {
                int k = type == DataType.DOUBLE ? n : 2 * n;
                requireCount(what, p.getDoubleDataCount(), k);
                for (int i = 0; i < k; i++) {
                    b.putDouble(p.getDoubleData(i));
                }
            }
            case INT64 -> {
                requireCount(what, p.getInt64DataCount(), n);
                for (int i = 0; i < n; i++) {
                    b.putLong(p.getInt64Data(i));
                }
            }
            case UINT32, UINT64 -> {
                requireCount(what, p.getUint64DataCount(), n);
                for (int i = 0; i < n; i++) {
                    if (type == DataType.UINT32) {
                        b.putInt((int) p.getUint64Data(i));
                    } else {
                        b.putLong(p.getUint64Data(i));
                    }
                }
            }
            case INT32 -> {
                requireCount(what, p.getInt32DataCount(), n);
                for (int i = 0; i < n; i++) {
                    b.putInt(p.getInt32Data(i));
                }
            }
            case INT16, UINT16, FLOAT16, BFLOAT16 -> {
                requireCount(what, p.getInt32DataCount(), n);
                for (int i = 0; i < n; i++) {
                    b.putShort((short) p.getInt32Data(i));
                }
            }
            case INT8, UINT8, BOOL, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> {
                requireCount(what, p.getInt32DataCount(), n);
                for (int i = 0; i < n; i++) {
                    b.put((byte) p.getInt32Data(i));
                }
            }
            case INT4, UINT4, FLOAT4E2M1 -> {
                requireCount(what, p.getInt32DataCount(), (int) bytes);
                for (int i = 0; i < bytes; i++) {
                    b.put((byte) p.getInt32Data(i));
                }
            }
            default -> throw new UserException(what + " has data type " + type.displayName()
                    + ", which onnxpress cannot decode");
        }
        return b.array();
    }

    /** A TensorProto with the data in raw_data (string_data for strings). */
    public static Onnx.TensorProto fromTensor(Tensor t, String name) {
        Onnx.TensorProto.Builder b = Onnx.TensorProto.newBuilder()
                .setName(name)
                .setDataType(t.dataType().code());
        for (long d : t.dims()) {
            b.addDims(d);
        }
        if (t.dataType() == DataType.STRING) {
            for (byte[] s : t.strings()) {
                b.addStringData(ByteString.copyFrom(s));
            }
        } else {
            b.setRawData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(t.rawBytes()));
        }
        return b.build();
    }

    private static void requireCount(String what, long have, long want) {
        if (have != want) {
            throw new UserException(what + " holds " + have + " values where its shape needs " + want);
        }
    }
}
