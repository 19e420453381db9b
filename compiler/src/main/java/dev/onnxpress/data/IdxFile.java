package dev.onnxpress.data;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The IDX format of the MNIST files: two zero bytes, an element type code, the number of dimensions,
 * then each dimension as a big-endian int32, then the data in C order, big-endian. Type codes:
 * 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64. Gzip is detected by content.
 */
public final class IdxFile {
    private IdxFile() {
    }

    /**
     * The file's array as a little-endian tensor. {@code what} names its role in messages ("images file").
     * The header is read first and the declared size checked against the limits (2 GB, and what the file's
     * gzip stream could expand to) before any data is inflated; then exactly that much is read.
     */
    public static Tensor read(Path file, String what) {
        try (DataFiles.Opened o = DataFiles.open(file, what)) {
            return read(o, file, what);
        } catch (java.io.IOException e) {
            throw new UserException("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    private static Tensor read(DataFiles.Opened o, Path file, String what) {
        byte[] head = readUpTo(o, 4, file, what);
        if (head.length < 4 || head[0] != 0 || head[1] != 0) {
            throw new UserException(what + " " + file + " is not an IDX file (it must start with two zero bytes, "
                    + "a type code and a rank)");
        }
        DataType type = switch (head[2] & 0xff) {
            case 0x08 -> DataType.UINT8;
            case 0x09 -> DataType.INT8;
            case 0x0B -> DataType.INT16;
            case 0x0C -> DataType.INT32;
            case 0x0D -> DataType.FLOAT;
            case 0x0E -> DataType.DOUBLE;
            default -> throw new UserException(what + " " + file + " has unknown IDX element type 0x"
                    + String.format("%02x", head[2] & 0xff));
        };
        int rank = head[3] & 0xff;
        if (rank == 0) {
            throw new UserException(what + " " + file + " declares 0 dimensions");
        }
        int header = 4 + 4 * rank;
        byte[] dimBytes = readUpTo(o, 4 * rank, file, what);
        if (dimBytes.length < 4 * rank) {
            throw new UserException(what + " " + file + " is truncated: its header needs " + header
                    + " bytes, the file has " + (4 + dimBytes.length));
        }
        ByteBuffer in = ByteBuffer.wrap(dimBytes).order(ByteOrder.BIG_ENDIAN);
        long[] dims = new long[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = in.getInt(4 * i) & 0xffffffffL;
            if (dims[i] == 0) {
                throw new UserException(what + " " + file + " declares shape " + IoInfo.dimsText(dims)
                        + " with a 0 dimension: it holds no data");
            }
            count = multiply(count, dims[i], file, what);
        }
        long need = type.byteSize(count);
        if (need > DataFiles.MAX_BYTES) {
            throw new UserException(what + " " + file + " declares shape " + IoInfo.dimsText(dims) + ", " + need
                    + " bytes of data; the limit is 2 GB");
        }
        if (o.gzip() && need > DataFiles.MAX_GZIP_RATIO * Math.max(1, o.fileBytes())) {
            throw new UserException(what + " " + file + " is truncated: shape " + IoInfo.dimsText(dims) + " needs "
                    + need + " data bytes, more than its " + o.fileBytes() + " gzip bytes can expand to");
        }
        byte[] data = readUpTo(o, (int) need, file, what);
        if (data.length < need) {
            throw new UserException(what + " " + file + " is truncated: shape " + IoInfo.dimsText(dims) + " needs " + need
                    + " data bytes, the file has " + data.length);
        }
        if (DataFiles.hasMore(o, file, what)) {
            throw new UserException(what + " " + file + " has bytes after the data of shape "
                    + IoInfo.dimsText(dims) + "; not a well-formed IDX file");
        }
        int size = type.bits() / 8;
        if (size > 1) {
            for (int i = 0; i < data.length; i += size) {
                for (int k = 0; k < size / 2; k++) {
                    byte t = data[i + k];
                    data[i + k] = data[i + size - 1 - k];
                    data[i + size - 1 - k] = t;
                }
            }
        }
        return Tensor.ofRaw(type, dims, data);
    }

    /** Up to {@code n} bytes (fewer at the end of the file). */
    private static byte[] readUpTo(DataFiles.Opened o, int n, Path file, String what) {
        try {
            return o.in().readNBytes(n);
        } catch (java.io.EOFException e) {
            throw new UserException(what + " " + file + " is a truncated gzip file");
        } catch (java.util.zip.ZipException e) {
            throw new UserException(what + " " + file + " is a corrupt gzip file (" + e.getMessage() + ")");
        } catch (java.io.IOException e) {
            throw new UserException("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    static long multiply(long count, long d, Path file, String what) {
        try {
            long n = Math.multiplyExact(count, d);
            if (n > Integer.MAX_VALUE) {
                throw new ArithmeticException();
            }
            return n;
        } catch (ArithmeticException e) {
            throw new UserException(what + " " + file + " declares an absurd shape (more than 2^31 elements)");
        }
    }
}
