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

    /** The file's array as a little-endian tensor. {@code what} names its role in messages ("images file"). */
    public static Tensor read(Path file, String what) {
        byte[] b = DataFiles.read(file, what);
        if (b.length < 4 || b[0] != 0 || b[1] != 0) {
            throw new UserException(what + " " + file + " is not an IDX file (it must start with two zero bytes, "
                    + "a type code and a rank)");
        }
        DataType type = switch (b[2] & 0xff) {
            case 0x08 -> DataType.UINT8;
            case 0x09 -> DataType.INT8;
            case 0x0B -> DataType.INT16;
            case 0x0C -> DataType.INT32;
            case 0x0D -> DataType.FLOAT;
            case 0x0E -> DataType.DOUBLE;
            default -> throw new UserException(what + " " + file + " has unknown IDX element type 0x"
                    + String.format("%02x", b[2] & 0xff));
        };
        int rank = b[3] & 0xff;
        if (rank == 0) {
            throw new UserException(what + " " + file + " declares 0 dimensions");
        }
        int header = 4 + 4 * rank;
        if (b.length < header) {
            throw new UserException(what + " " + file + " is truncated: its header needs " + header + " bytes, the file has "
                    + b.length);
        }
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        long[] dims = new long[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = in.getInt(4 + 4 * i) & 0xffffffffL;
            count = multiply(count, dims[i], file, what);
        }
        long need = type.byteSize(count);
        long have = b.length - (long) header;
        if (have < need) {
            throw new UserException(what + " " + file + " is truncated: shape " + IoInfo.dimsText(dims) + " needs " + need
                    + " data bytes, the file has " + have);
        }
        if (have > need) {
            throw new UserException(what + " " + file + " has " + (have - need) + " bytes after the data of shape "
                    + IoInfo.dimsText(dims) + "; not a well-formed IDX file");
        }
        int size = type.bits() / 8;
        byte[] le = new byte[(int) need];
        if (size == 1) {
            System.arraycopy(b, header, le, 0, le.length);
        } else {
            for (int i = 0; i < le.length; i += size) {
                for (int k = 0; k < size; k++) {
                    le[i + k] = b[header + i + size - 1 - k];
                }
            }
        }
        return Tensor.ofRaw(type, dims, le);
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
