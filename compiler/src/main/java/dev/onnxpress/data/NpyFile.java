package dev.onnxpress.data;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's .npy format, versions 1.0, 2.0 and 3.0: the magic {@code \x93NUMPY}, a version, a header length
 * (uint16 in v1, uint32 in v2/v3, little-endian), a Python dict literal header
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (10000, 28, 28), }}, then the data. Element
 * types: float16/32/64, (u)int8, (u)int16, int32, int64, bool, either byte order. C order only.
 */
public final class NpyFile {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    private NpyFile() {
    }

    public static Tensor read(Path file, String what) {
        byte[] b = DataFiles.read(file, what);
        Header h = header(b, file, what);
        String header = h.text();
        long dataOffset = h.dataOffset();
        String descr = find(DESCR, header, "descr", file, what);
        if ("True".equals(find(FORTRAN, header, "fortran_order", file, what))) {
            throw new UserException(what + " " + file + " holds a Fortran-order array; save it in C order "
                    + "(numpy.ascontiguousarray) before using it");
        }
        long[] dims = shape(find(SHAPE, header, "shape", file, what), file, what);
        boolean bigEndian = descr.startsWith(">");
        String code = descr.replaceFirst("^[<>|=]", "");
        if (code.matches("[SU]\\d+")) {
            return strings(b, (int) dataOffset, dims, code, bigEndian, file, what);
        }
        DataType type = elementType(code, descr, file, what);
        long count = 1;
        for (long d : dims) {
            if (d == 0) {
                throw new UserException(what + " " + file + " holds an empty array of shape "
                        + IoInfo.dimsText(dims) + " (a 0 dimension): there are no samples in it");
            }
            count = IdxFile.multiply(count, d, file, what);
        }
        long need = type.byteSize(count);
        long have = b.length - dataOffset;
        if (have < need) {
            throw new UserException(what + " " + file + " is truncated: " + type.displayName() + " "
                    + IoInfo.dimsText(dims) + " needs " + need + " data bytes, the file has " + have);
        }
        int size = type.bits() / 8;
        int offset = (int) dataOffset;
        byte[] out = new byte[(int) need];
        if (bigEndian && size > 1) {
            for (int i = 0; i < out.length; i += size) {
                for (int k = 0; k < size; k++) {
                    out[i + k] = b[offset + i + size - 1 - k];
                }
            }
        } else {
            System.arraycopy(b, offset, out, 0, out.length);
        }
        return Tensor.ofRaw(type, dims, out);
    }

    /** The header's text and where the data begins. */
    private record Header(String text, long dataOffset) {
    }

    /** Checks the magic and the format version (1, 2 or 3) and reads the header. */
    private static Header header(byte[] b, Path file, String what) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.length <= i || b[i] != MAGIC[i]) {
                throw new UserException(what + " " + file + " is not a .npy file (no \\x93NUMPY magic)");
            }
        }
        if (b.length < 10) {
            throw new UserException(what + " " + file + " is truncated inside the .npy header");
        }
        int major = b[6] & 0xff;
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int start;
        if (major == 1) {
            headerLen = le.getShort(8) & 0xffff;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (b.length < 12) {
                throw new UserException(what + " " + file + " is truncated inside the .npy header");
            }
            headerLen = le.getInt(8) & 0xffffffffL;
            start = 12;
        } else {
            throw new UserException(what + " " + file + " has .npy format version " + major + "." + (b[7] & 0xff)
                    + "; versions 1, 2 and 3 are supported");
        }
        if (start + headerLen > b.length) {
            throw new UserException(what + " " + file + " is truncated inside the .npy header");
        }
        String header = new String(b, start, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return new Header(header, start + headerLen);
    }

    /** The element type of a numeric descr code (byte order removed). */
    private static DataType elementType(String code, String descr, Path file, String what) {
        return switch (code) {
            case "f2" -> DataType.FLOAT16;
            case "f4" -> DataType.FLOAT;
            case "f8" -> DataType.DOUBLE;
            case "u1" -> DataType.UINT8;
            case "i1" -> DataType.INT8;
            case "u2" -> DataType.UINT16;
            case "i2" -> DataType.INT16;
            case "i4" -> DataType.INT32;
            case "i8" -> DataType.INT64;
            case "b1", "?" -> DataType.BOOL;
            default -> throw new UserException(what + " " + file + " has element type '" + descr
                    + "'; supported: float16/32/64, (u)int8, (u)int16, int32, int64, bool, strings (S, U)");
        };
    }

    /**
     * A string array: {@code S<n>} holds n bytes per element, {@code U<n>} n UTF-32 code points; both are
     * padded with NULs, which end the string (as numpy reads them back).
     */
    private static Tensor strings(byte[] b, int offset, long[] dims, String code, boolean bigEndian, Path file,
            String what) {
        boolean unicode = code.charAt(0) == 'U';
        long width = Long.parseLong(code.substring(1));
        long count = 1;
        for (long d : dims) {
            count = IdxFile.multiply(count, d, file, what);
        }
        long itemBytes = unicode ? width * 4 : width;
        long need = IdxFile.multiply(count, itemBytes, file, what);
        long have = b.length - offset;
        if (have < need) {
            throw new UserException(what + " " + file + " is truncated: " + code + " strings "
                    + IoInfo.dimsText(dims) + " need " + need + " data bytes, the file has " + have);
        }
        java.util.List<byte[]> values = new java.util.ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            int at = (int) (offset + i * itemBytes);
            if (!unicode) {
                int len = 0;
                while (len < width && b[at + len] != 0) {
                    len++;
                }
                values.add(java.util.Arrays.copyOfRange(b, at, at + len));
            } else {
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < width; k++) {
                    java.nio.ByteBuffer cp = java.nio.ByteBuffer.wrap(b, at + 4 * k, 4)
                            .order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN);
                    int c = cp.getInt();
                    if (c == 0) {
                        break;
                    }
                    sb.appendCodePoint(c);
                }
                values.add(sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return Tensor.ofStrings(dims, values);
    }

    private static String find(Pattern p, String header, String key, Path file, String what) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new UserException(what + " " + file + " has a malformed .npy header (no '" + key + "'): "
                    + header.trim());
        }
        return m.group(1);
    }

    private static long[] shape(String text, Path file, String what) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String s = part.trim().replaceFirst("L$", "");
            if (s.isEmpty()) {
                continue;
            }
            try {
                long d = Long.parseLong(s);
                if (d < 0) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new UserException(what + " " + file + " has a malformed .npy shape (" + text + ")");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }
}
