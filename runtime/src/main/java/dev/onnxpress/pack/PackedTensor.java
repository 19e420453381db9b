package dev.onnxpress.pack;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The packed form of one tensor: a self-describing byte blob that decodes bit-exactly to the original.
 *
 * <pre>
 *   "OXPK" u8 version=1  u8 layout  u16 dtype  u8 rank  i64 dims[rank]   then, by layout:
 *   PLANES: for each byte plane p of an element (little-endian byte p): a {@link HuffmanStream} of bytes
 *   RUNS:   background element (its bytes), u8 gapBits, a stream of gaps (0 .. 2^gapBits−1), then one
 *           byte-plane stream per element byte over the entries' values
 * </pre>
 * PLANES suits dense data: codebook indices and int8/ternary weights (one plane), floats (the sign and
 * exponent byte compresses, mantissa bytes barely). RUNS is Deep Compression's relative indexing: each
 * entry is "gap background elements, then this value"; a gap longer than the largest code is bridged by
 * a filler entry holding the background value itself (trailing background too, so the entries cover
 * every element and a corrupt blob cannot claim a huge tensor).
 * The background is the tensor's most frequent element (0 in a pruned tensor, the zero centroid's index
 * in a shared one). Sub-byte types (int4 …) pack their raw bytes as one plane.
 */
public final class PackedTensor {
    private static final byte[] MAGIC = {'O', 'X', 'P', 'K'};
    private static final int VERSION = 1;

    public enum Layout { PLANES, RUNS }

    /** What a blob holds, from its header. */
    public record Header(DataType dataType, long[] dims, Layout layout) {
        public Header {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }
    }

    private PackedTensor() {
    }

    /** The smallest encoding among PLANES and RUNS (every gap width 1..8 bits). */
    public static byte[] encode(Tensor t) {
        byte[] best = encode(t, Layout.PLANES, 0);
        if (elementBytes(t.dataType()) > 0 && t.elementCount() > 0) {
            byte[] raw = t.rawBytes();
            int eb = elementBytes(t.dataType());
            int n = (int) t.elementCount();
            long background = modeOf(raw, eb, n);
            int fill = countOf(raw, eb, n, background);
            if (fill * 4L >= n) { // RUNS only pays when the background is common
                for (int bits = 1; bits <= 8; bits++) {
                    byte[] b = encodeRuns(t, raw, eb, n, background, bits);
                    if (b.length < best.length) {
                        best = b;
                    }
                }
            }
        }
        return best;
    }

    /** A given layout ({@code gapBits} 1..8 for RUNS, ignored for PLANES); RUNS uses the most frequent element. */
    public static byte[] encode(Tensor t, Layout layout, int gapBits) {
        if (t.dataType() == DataType.STRING || t.dataType() == DataType.UNDEFINED) {
            throw new IllegalArgumentException("cannot pack " + t.dataType().displayName() + " tensors");
        }
        byte[] raw = t.rawBytes();
        if (layout == Layout.RUNS) {
            int eb = elementBytes(t.dataType());
            if (eb == 0 || gapBits < 1 || gapBits > 8) {
                throw new IllegalArgumentException("RUNS needs whole-byte elements and gapBits 1..8");
            }
            int n = (int) t.elementCount();
            return encodeRuns(t, raw, eb, n, n == 0 ? 0 : modeOf(raw, eb, n), gapBits);
        }
        int planes = Math.max(1, elementBytes(t.dataType()));
        int per = raw.length / planes;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length / 2 + 64);
        DataOutputStream out = new DataOutputStream(bytes);
        header(out, t, Layout.PLANES);
        int[] sym = new int[per];
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < per; i++) {
                sym[i] = raw[i * planes + p] & 0xFF;
            }
            HuffmanStream.encode(sym, per, 256, out);
        }
        return bytes.toByteArray();
    }

    private static byte[] encodeRuns(Tensor t, byte[] raw, int eb, int n, long background, int gapBits) {
        int maxGap = (1 << gapBits) - 1;
        int[] gaps = new int[n];
        int[] valueIndex = new int[n]; // element index of each entry, −1 = filler
        int entries = 0;
        int run = 0;
        for (int i = 0; i < n; i++) {
            if (key(raw, i, eb) == background) {
                run++;
                continue;
            }
            while (run > maxGap) {
                gaps[entries] = maxGap;
                valueIndex[entries++] = -1;
                run -= maxGap + 1;
            }
            gaps[entries] = run;
            valueIndex[entries++] = i;
            run = 0;
        }
        // trailing background is written as filler entries too, so the entries account for every element
        // and a decoder can bound the tensor's size by them before allocating it
        while (run > 0) {
            int g = Math.min(run - 1, maxGap);
            gaps[entries] = g;
            valueIndex[entries++] = -1;
            run -= g + 1;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(entries * (eb + 1) / 2 + 64);
        DataOutputStream out = new DataOutputStream(bytes);
        header(out, t, Layout.RUNS);
        try {
            for (int p = 0; p < eb; p++) {
                out.writeByte((int) (background >>> (8 * p)));
            }
            out.writeByte(gapBits);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HuffmanStream.encode(gaps, entries, maxGap + 1, out);
        int[] sym = new int[entries];
        for (int p = 0; p < eb; p++) {
            for (int e = 0; e < entries; e++) {
                int idx = valueIndex[e];
                sym[e] = idx < 0 ? (int) (background >>> (8 * p)) & 0xFF : raw[idx * eb + p] & 0xFF;
            }
            HuffmanStream.encode(sym, entries, 256, out);
        }
        return bytes.toByteArray();
    }

    /** Reads a blob's header. */
    public static Header header(byte[] blob) {
        return readHeader(ByteBuffer.wrap(blob));
    }

    /** Decodes a blob to the tensor it was made from (same type, shape and bytes). */
    public static Tensor decode(byte[] blob) {
        ByteBuffer in = ByteBuffer.wrap(blob);
        try {
            Header h = readHeader(in);
            DataType type = h.dataType();
            long count = Tensor.elementCount(h.dims());
            long size = type.byteSize(count);
            if (count < 0 || size > Integer.MAX_VALUE - 16) {
                throw new PackFormatException("packed tensor of " + count + " elements is too large");
            }
            int eb = elementBytes(type);
            byte[] raw = h.layout() == Layout.PLANES ? decodePlanes(in, eb, size) : decodeRuns(in, eb, count, size);
            if (in.hasRemaining()) {
                throw new PackFormatException(in.remaining() + " stray bytes after the packed tensor");
            }
            return Tensor.ofRaw(type, h.dims(), raw);
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new PackFormatException("packed tensor is truncated");
        } catch (ArithmeticException | NegativeArraySizeException e) {
            throw new PackFormatException("packed tensor has an impossible shape");
        }
    }

    /** PLANES layout: one Huffman stream per byte plane, interleaved back into elements. */
    private static byte[] decodePlanes(ByteBuffer in, int eb, long size) {
        int planes = Math.max(1, eb);
        int per = (int) (size / planes);
        int[][] sym = new int[planes][];
        for (int p = 0; p < planes; p++) {
            sym[p] = HuffmanStream.decode(in);
            if (sym[p].length != per) {
                throw new PackFormatException("byte plane " + p + " has " + sym[p].length
                        + " symbols, expected " + per);
            }
        }
        byte[] raw = new byte[(int) size];
        for (int p = 0; p < planes; p++) {
            int[] sp = sym[p];
            for (int i = 0; i < per; i++) {
                raw[i * planes + p] = (byte) sp[i];
            }
        }
        return raw;
    }

    /**
     * RUNS layout: a background element, then Huffman-coded gaps between the elements that differ from it and
     * one Huffman stream per byte plane of those elements.
     */
    private static byte[] decodeRuns(ByteBuffer in, int eb, long count, long size) {
        if (eb == 0) {
            throw new PackFormatException("RUNS layout for a sub-byte type");
        }
        byte[] background = new byte[eb];
        in.get(background);
        int gapBits = in.get();
        if (gapBits < 1 || gapBits > 8) {
            throw new PackFormatException("gap width " + gapBits + " outside 1..8");
        }
        int[] gaps = HuffmanStream.decode(in);
        int entries = gaps.length;
        if (count > ((long) entries << gapBits)) {
            throw new PackFormatException(entries + " runs cannot cover " + count + " elements");
        }
        byte[][] planes = new byte[eb][];
        for (int p = 0; p < eb; p++) {
            int[] sym = HuffmanStream.decode(in);
            if (sym.length != entries) {
                throw new PackFormatException("value plane " + p + " has " + sym.length + " symbols for "
                        + entries + " gaps");
            }
            byte[] plane = new byte[entries];
            for (int e = 0; e < entries; e++) {
                plane[e] = (byte) sym[e];
            }
            planes[p] = plane;
        }
        byte[] raw = new byte[(int) size];
        int n = (int) count;
        boolean zeroBackground = true;
        for (byte b : background) {
            zeroBackground &= b == 0;
        }
        int pos = 0;
        for (int e = 0; e < entries; e++) {
            int g = gaps[e];
            if (pos + g >= n) {
                throw new PackFormatException("runs overflow the tensor's " + n + " elements");
            }
            if (!zeroBackground) {
                for (int k = 0; k < g; k++) {
                    System.arraycopy(background, 0, raw, (pos + k) * eb, eb);
                }
            }
            pos += g;
            int o = pos * eb;
            for (int p = 0; p < eb; p++) {
                raw[o + p] = planes[p][e];
            }
            pos++;
        }
        if (pos != n) {
            throw new PackFormatException("runs cover " + pos + " of the tensor's " + n + " elements");
        }
        return raw;
    }

    private static Header readHeader(ByteBuffer in) {
        try {
            byte[] magic = new byte[4];
            in.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new PackFormatException("not an onnxpress packed tensor (bad magic)");
            }
            int version = in.get() & 0xFF;
            if (version != VERSION) {
                throw new PackFormatException("packed tensor format version " + version + " (this runtime reads "
                        + VERSION + ")");
            }
            int layout = in.get() & 0xFF;
            if (layout >= Layout.values().length) {
                throw new PackFormatException("unknown packed layout " + layout);
            }
            int code = in.getShort() & 0xFFFF;
            DataType type = DataType.fromCode(code)
                    .filter(d -> d != DataType.STRING && d != DataType.UNDEFINED)
                    .orElseThrow(() -> new PackFormatException("packed tensor of unsupported data type " + code));
            int rank = in.get() & 0xFF;
            long[] dims = new long[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = in.getLong();
                if (dims[i] < 0) {
                    throw new PackFormatException("negative dimension in packed tensor");
                }
            }
            return new Header(type, dims, Layout.values()[layout]);
        } catch (BufferUnderflowException e) {
            throw new PackFormatException("packed tensor is truncated");
        }
    }

    private static void header(DataOutputStream out, Tensor t, Layout layout) {
        try {
            out.write(MAGIC);
            out.writeByte(VERSION);
            out.writeByte(layout.ordinal());
            out.writeShort(t.dataType().code());
            out.writeByte(t.rank());
            for (long d : t.dims()) {
                out.writeLong(d);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes per element, 0 for sub-byte types (packed as raw bytes). */
    static int elementBytes(DataType t) {
        return t.bits() >= 8 && t.bits() % 8 == 0 && t.bits() <= 64 ? t.bits() / 8 : 0;
    }

    private static long key(byte[] raw, int i, int eb) {
        long k = 0;
        int o = i * eb;
        for (int p = 0; p < eb; p++) {
            k |= (raw[o + p] & 0xFFL) << (8 * p);
        }
        return k;
    }

    private static long modeOf(byte[] raw, int eb, int n) {
        if (eb == 1) {
            int[] c = new int[256];
            for (int i = 0; i < n; i++) {
                c[raw[i] & 0xFF]++;
            }
            int best = 0;
            for (int s = 1; s < 256; s++) {
                if (c[s] > c[best]) {
                    best = s;
                }
            }
            return best;
        }
        Map<Long, int[]> counts = new HashMap<>();
        long best = 0;
        int bestCount = -1;
        for (int i = 0; i < n; i++) {
            int[] c = counts.computeIfAbsent(key(raw, i, eb), k -> new int[1]);
            if (++c[0] > bestCount) {
                bestCount = c[0];
                best = key(raw, i, eb);
            }
        }
        return best;
    }

    private static int countOf(byte[] raw, int eb, int n, long k) {
        int c = 0;
        for (int i = 0; i < n; i++) {
            if (key(raw, i, eb) == k) {
                c++;
            }
        }
        return c;
    }
}
