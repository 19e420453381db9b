package dev.onnxpress.ir;

import dev.onnxpress.proto.Onnx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Where a tensor's bytes come from. Package-private: the protobuf form never leaves the IR package. */
sealed interface TensorData {

    byte[] raw(DataType type, long count);

    /** The raw form as a read-only buffer from index 0; shares the bytes where they are already raw. */
    default ByteBuffer view(DataType type, long count) {
        return ByteBuffer.wrap(raw(type, count)).asReadOnlyBuffer();
    }

    default List<byte[]> strings() {
        throw new IllegalStateException("not a string tensor");
    }

    /** Decoded little-endian bytes. */
    record Raw(byte[] bytes) implements TensorData {
        @Override
        public byte[] raw(DataType type, long count) {
            return bytes.clone();
        }

        @Override
        public ByteBuffer view(DataType type, long count) {
            return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        }
    }

    record Strings(List<byte[]> values) implements TensorData {
        @Override
        public byte[] raw(DataType type, long count) {
            throw new IllegalStateException("string tensor has no raw form");
        }

        @Override
        public List<byte[]> strings() {
            List<byte[]> out = new ArrayList<>(values.size());
            for (byte[] v : values) {
                out.add(v.clone());
            }
            return out;
        }
    }

    /** The message the tensor was read from (data inline, in raw_data or a typed field). */
    record Proto(Onnx.TensorProto proto) implements TensorData {
        @Override
        public byte[] raw(DataType type, long count) {
            if (proto.hasRawData()) {
                return proto.getRawData().toByteArray();
            }
            int n = (int) count;
            ByteBuffer b = ByteBuffer.allocate((int) type.byteSize(count)).order(ByteOrder.LITTLE_ENDIAN);
            switch (type) {
                case FLOAT -> {
                    requireCount(proto.getFloatDataCount(), n);
                    for (int i = 0; i < n; i++) {
                        b.putFloat(proto.getFloatData(i));
                    }
                }
                case COMPLEX64 -> {
                    requireCount(proto.getFloatDataCount(), 2 * n);
                    for (int i = 0; i < 2 * n; i++) {
                        b.putFloat(proto.getFloatData(i));
                    }
                }
                case DOUBLE -> {
                    requireCount(proto.getDoubleDataCount(), n);
                    for (int i = 0; i < n; i++) {
                        b.putDouble(proto.getDoubleData(i));
                    }
                }
                case COMPLEX128 -> {
                    requireCount(proto.getDoubleDataCount(), 2 * n);
                    for (int i = 0; i < 2 * n; i++) {
                        b.putDouble(proto.getDoubleData(i));
                    }
                }
                case INT64 -> {
                    requireCount(proto.getInt64DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        b.putLong(proto.getInt64Data(i));
                    }
                }
                case UINT32 -> {
                    requireCount(proto.getUint64DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        b.putInt((int) proto.getUint64Data(i));
                    }
                }
                case UINT64 -> {
                    requireCount(proto.getUint64DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        b.putLong(proto.getUint64Data(i));
                    }
                }
                case INT32 -> {
                    requireCount(proto.getInt32DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        b.putInt(proto.getInt32Data(i));
                    }
                }
                case INT16, UINT16, FLOAT16, BFLOAT16 -> {
                    requireCount(proto.getInt32DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        b.putShort((short) proto.getInt32Data(i));
                    }
                }
                case INT8, UINT8, BOOL, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> {
                    requireCount(proto.getInt32DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        b.put((byte) proto.getInt32Data(i));
                    }
                }
                case INT4, UINT4, FLOAT4E2M1 -> {
                    // two elements per int32 entry's low byte, as the format packs them
                    int bytes = (int) type.byteSize(count);
                    requireCount(proto.getInt32DataCount(), bytes);
                    for (int i = 0; i < bytes; i++) {
                        b.put((byte) proto.getInt32Data(i));
                    }
                }
                default -> throw new IllegalStateException("cannot decode " + type.displayName() + " tensor data");
            }
            return b.array();
        }

        @Override
        public ByteBuffer view(DataType type, long count) {
            if (proto.hasRawData()) {
                // slice: the view of a substring starts at its offset in the file's bytes
                return proto.getRawData().asReadOnlyByteBuffer().slice();
            }
            return ByteBuffer.wrap(raw(type, count)).asReadOnlyBuffer();
        }

        @Override
        public List<byte[]> strings() {
            List<byte[]> out = new ArrayList<>(proto.getStringDataCount());
            for (int i = 0; i < proto.getStringDataCount(); i++) {
                out.add(proto.getStringData(i).toByteArray());
            }
            return out;
        }

        private static void requireCount(int have, int want) {
            if (have != want) {
                throw new IllegalStateException("tensor holds " + have + " values where its shape needs " + want);
            }
        }
    }

    /** A byte range of an external data file; read on demand, never kept. */
    record External(Path file, long offset, long length) implements TensorData {
        @Override
        public byte[] raw(DataType type, long count) {
            return readRange(file, offset, length);
        }
    }

    /**
     * Bytes a pass built, parked in a scratch file ({@link TensorSpill}) instead of the heap; read on demand like
     * {@link External}, but not the tensor's original encoding: the writer places it as it would place fresh data.
     */
    record Spilled(Path file, long offset, long length) implements TensorData {
        @Override
        public byte[] raw(DataType type, long count) {
            return readRange(file, offset, length);
        }
    }

    /** {@code length} bytes of {@code file} from {@code offset}, counted in {@link ExternalReads}. */
    static byte[] readRange(Path file, long offset, long length) {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("external tensor of " + length + " bytes is too large for one array");
        }
        byte[] out = new byte[(int) length];
        ByteBuffer dst = ByteBuffer.wrap(out);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = offset;
            while (dst.hasRemaining()) {
                int r = ch.read(dst, pos);
                if (r < 0) {
                    throw new IllegalStateException("external data file " + file.getFileName()
                            + " ends before offset " + (offset + length));
                }
                pos += r;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read external data " + file, e);
        }
        ExternalReads.record(file, offset, length);
        return out;
    }
}
