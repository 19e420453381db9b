package dev.onnxpress.pack;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * One Huffman-coded sequence of symbols as stored in a packed tensor:
 * {@code u8 (alphabet-1), code lengths, u32 count, u32 payloadBytes, payload}. Bits are written most
 * significant first; codes are canonical ({@link HuffmanCode}), so the lengths describe the code. The
 * lengths take whichever form is smaller — {@code u16 used|0x8000} then (u8 symbol, u8 length) pairs
 * for the used symbols, or {@code u16 used} then 5 bits per symbol of the alphabet — because a table
 * of 256 bytes would dominate small tensors and the value planes of sparse ones.
 */
public final class HuffmanStream {
    private HuffmanStream() {
    }

    /** Encodes {@code symbols[0..count)} (each in {@code 0..alphabet-1}) and appends the stream to {@code out}. */
    public static void encode(int[] symbols, int count, int alphabet, DataOutputStream out) {
        if (alphabet < 1 || alphabet > 256) {
            throw new IllegalArgumentException("alphabet of " + alphabet + " symbols (1..256)");
        }
        long[] freq = frequencies(symbols, count, alphabet);
        HuffmanCode code = HuffmanCode.forFrequencies(freq);
        long bits = payloadBits(freq, code);
        if (bits > 8L * Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("tensor too large to pack in one stream");
        }
        byte[] payload = new byte[(int) ((bits + 7) >>> 3)];
        long acc = 0;
        int accBits = 0;
        int pos = 0;
        for (int i = 0; i < count; i++) {
            int s = symbols[i];
            acc = (acc << code.length(s)) | code.code(s);
            accBits += code.length(s);
            while (accBits >= 8) {
                accBits -= 8;
                payload[pos++] = (byte) (acc >>> accBits);
            }
        }
        if (accBits > 0) {
            payload[pos] = (byte) (acc << (8 - accBits));
        }
        try {
            out.writeByte(alphabet - 1);
            writeLengths(code.lengths(), out);
            out.writeInt(count);
            out.writeInt(payload.length);
            out.write(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long[] frequencies(int[] symbols, int count, int alphabet) {
        long[] freq = new long[alphabet];
        for (int i = 0; i < count; i++) {
            freq[symbols[i]]++;
        }
        return freq;
    }

    /** Bits of the coded symbols. */
    private static long payloadBits(long[] freq, HuffmanCode code) {
        long bits = 0;
        for (int s = 0; s < freq.length; s++) {
            bits += freq[s] * code.length(s);
        }
        return bits;
    }

    /** Size in bytes {@link #encode} would write, without writing. */
    public static long encodedSize(int[] symbols, int count, int alphabet) {
        long[] freq = frequencies(symbols, count, alphabet);
        HuffmanCode code = HuffmanCode.forFrequencies(freq);
        long bits = payloadBits(freq, code);
        return 1 + tableBytes(code.lengths()) + 8 + (bits + 7) / 8;
    }

    private static int used(byte[] lengths) {
        int used = 0;
        for (byte l : lengths) {
            used += l > 0 ? 1 : 0;
        }
        return used;
    }

    private static int tableBytes(byte[] lengths) {
        return 2 + Math.min(2 * used(lengths), (5 * lengths.length + 7) / 8);
    }

    private static void writeLengths(byte[] lengths, DataOutputStream out) throws IOException {
        int used = used(lengths);
        if (2 * used < (5 * lengths.length + 7) / 8) {
            out.writeShort(used | 0x8000);
            for (int s = 0; s < lengths.length; s++) {
                if (lengths[s] > 0) {
                    out.writeByte(s);
                    out.writeByte(lengths[s]);
                }
            }
            return;
        }
        out.writeShort(used);
        long acc = 0;
        int bits = 0;
        for (byte l : lengths) {
            acc = (acc << 5) | l;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out.writeByte((int) (acc >>> bits));
            }
        }
        if (bits > 0) {
            out.writeByte((int) (acc << (8 - bits)));
        }
    }

    private static byte[] readLengths(ByteBuffer in, int alphabet) {
        int head = in.getShort() & 0xFFFF;
        byte[] lengths = new byte[alphabet];
        if ((head & 0x8000) != 0) {
            int used = head & 0x7FFF;
            for (int i = 0; i < used; i++) {
                int s = in.get() & 0xFF;
                if (s >= alphabet) {
                    throw new PackFormatException("code for symbol " + s + " outside an alphabet of " + alphabet);
                }
                lengths[s] = in.get();
            }
            return lengths;
        }
        long acc = 0;
        int bits = 0;
        for (int s = 0; s < alphabet; s++) {
            while (bits < 5) {
                acc = (acc << 8) | (in.get() & 0xFF);
                bits += 8;
            }
            bits -= 5;
            lengths[s] = (byte) ((acc >>> bits) & 31);
        }
        return lengths;
    }

    /** Reads one stream; returns its symbols. Corrupt input → {@link PackFormatException}. */
    public static int[] decode(ByteBuffer in) {
        int alphabet = (in.get() & 0xFF) + 1;
        byte[] lengths = readLengths(in, alphabet);
        HuffmanCode code;
        try {
            code = HuffmanCode.ofLengths(lengths);
        } catch (IllegalArgumentException e) {
            throw new PackFormatException(e.getMessage());
        }
        int count = in.getInt();
        int payloadBytes = in.getInt();
        // every code is at least one bit long: a count beyond the payload's bits is corrupt (and must not
        // allocate gigabytes)
        if (count < 0 || payloadBytes < 0 || payloadBytes > in.remaining() || count > 8L * payloadBytes) {
            throw new PackFormatException("stream of " + count + " symbols claims " + payloadBytes
                    + " payload bytes, " + in.remaining() + " left");
        }
        int[] out = new int[count];
        if (count == 0) {
            in.position(in.position() + payloadBytes);
            return out;
        }
        final int w = Math.max(1, code.maxLength());
        int[] table = code.decodeTable(w);
        int start = in.position();
        int end = start + payloadBytes;
        int pos = start;
        long acc = 0; // bit buffer, valid bits right-aligned
        int accBits = 0;
        for (int i = 0; i < count; i++) {
            while (accBits < w) {
                int b = pos < end ? in.get(pos) & 0xFF : 0; // zero padding past the end
                pos++;
                acc = (acc << 8) | b;
                accBits += 8;
            }
            int e = table[(int) (acc >>> (accBits - w)) & ((1 << w) - 1)];
            int len = e & 31;
            if (len == 0) {
                throw new PackFormatException("invalid Huffman code at symbol " + i);
            }
            out[i] = e >>> 5;
            accBits -= len;
            acc &= (1L << accBits) - 1;
        }
        long consumedBits = 8L * (pos - start) - accBits;
        if (consumedBits > 8L * payloadBytes) {
            throw new PackFormatException("stream ends before its " + count + " symbols");
        }
        in.position(end);
        return out;
    }
}
