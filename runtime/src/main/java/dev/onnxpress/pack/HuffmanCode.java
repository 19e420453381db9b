package dev.onnxpress.pack;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * A canonical Huffman code over symbols {@code 0..alphabet-1}, described completely by its code lengths
 * (0 = symbol absent). Canonical: codes of one length are consecutive integers in symbol order and
 * shorter codes come first, so a decoder rebuilds the code from the lengths alone (as DEFLATE does).
 * Lengths are capped at {@link #MAX_LENGTH} so the decoder can use one flat lookup table.
 */
public final class HuffmanCode {
    /** Longest code: the decoder's table has 2^MAX_LENGTH entries. */
    public static final int MAX_LENGTH = 16;

    private final byte[] lengths;
    private final int[] codes;

    private HuffmanCode(byte[] lengths) {
        this.lengths = lengths;
        this.codes = canonicalCodes(lengths);
    }

    /** The optimal code (within the length cap) for these symbol frequencies. */
    public static HuffmanCode forFrequencies(long[] freq) {
        long[] f = freq.clone();
        while (true) {
            byte[] len = lengthsOf(f);
            int max = 0;
            for (byte b : len) {
                max = Math.max(max, b);
            }
            if (max <= MAX_LENGTH) {
                return new HuffmanCode(len);
            }
            // too deep: flatten the distribution (rare symbols gain weight) until the tree fits
            for (int i = 0; i < f.length; i++) {
                if (f[i] > 0) {
                    f[i] = (f[i] >> 1) | 1;
                }
            }
        }
    }

    /** The code with these lengths (as stored in a stream). */
    public static HuffmanCode ofLengths(byte[] lengths) {
        long kraft = 0;
        for (byte l : lengths) {
            if (l < 0 || l > MAX_LENGTH) {
                throw new IllegalArgumentException("code length " + l + " outside 0.." + MAX_LENGTH);
            }
            if (l > 0) {
                kraft += 1L << (MAX_LENGTH - l);
            }
        }
        if (kraft > (1L << MAX_LENGTH)) {
            throw new IllegalArgumentException("code lengths do not form a prefix code");
        }
        return new HuffmanCode(lengths.clone());
    }

    public int alphabet() {
        return lengths.length;
    }

    public int length(int symbol) {
        return lengths[symbol];
    }

    public int code(int symbol) {
        return codes[symbol];
    }

    byte[] lengths() {
        return lengths;
    }

    /** The longest code length in use (0 when no symbol is used). */
    public int maxLength() {
        int m = 0;
        for (byte l : lengths) {
            m = Math.max(m, l);
        }
        return m;
    }

    private static byte[] lengthsOf(long[] f) {
        int n = f.length;
        byte[] len = new byte[n];
        int used = 0;
        int only = -1;
        for (int i = 0; i < n; i++) {
            if (f[i] > 0) {
                used++;
                only = i;
            }
        }
        if (used == 0) {
            return len;
        }
        if (used == 1) {
            len[only] = 1; // a lone symbol still needs one bit so the stream has a length
            return len;
        }
        // nodes 0..n-1 are leaves, n.. internal; ties broken by index so the result is deterministic
        long[] weight = new long[2 * n];
        int[] parent = new int[2 * n];
        PriorityQueue<Integer> q = new PriorityQueue<>((a, b) -> weight[a] != weight[b]
                ? Long.compare(weight[a], weight[b]) : Integer.compare(a, b));
        for (int i = 0; i < n; i++) {
            if (f[i] > 0) {
                weight[i] = f[i];
                q.add(i);
            }
        }
        int next = n;
        while (q.size() > 1) {
            int a = q.poll();
            int b = q.poll();
            weight[next] = weight[a] + weight[b];
            parent[a] = next;
            parent[b] = next;
            q.add(next++);
        }
        int root = next - 1;
        int[] depth = new int[2 * n];
        for (int v = root - 1; v >= 0; v--) {
            if (v >= n || f[v] > 0) {
                depth[v] = depth[parent[v]] + 1;
            }
        }
        for (int i = 0; i < n; i++) {
            if (f[i] > 0) {
                len[i] = (byte) Math.min(depth[i], 127);
            }
        }
        return len;
    }

    private static int[] canonicalCodes(byte[] lengths) {
        int[] count = new int[MAX_LENGTH + 1];
        for (byte l : lengths) {
            if (l > 0) {
                count[l]++;
            }
        }
        int[] nextCode = new int[MAX_LENGTH + 2];
        int code = 0;
        for (int l = 1; l <= MAX_LENGTH; l++) {
            code = (code + count[l - 1]) << 1;
            nextCode[l] = code;
        }
        int[] codes = new int[lengths.length];
        for (int s = 0; s < lengths.length; s++) {
            if (lengths[s] > 0) {
                codes[s] = nextCode[lengths[s]]++;
            }
        }
        return codes;
    }

    /**
     * A flat table indexed by the next {@code width} bits of a stream ({@code width} ≥ {@link #maxLength}):
     * entry = symbol &lt;&lt; 5 | length (0 = no code starts with these bits, i.e. a corrupt stream).
     */
    int[] decodeTable(int width) {
        int[] table = new int[1 << width];
        for (int s = 0; s < lengths.length; s++) {
            int l = lengths[s];
            if (l == 0) {
                continue;
            }
            int shift = width - l;
            int start = codes[s] << shift;
            Arrays.fill(table, start, start + (1 << shift), (s << 5) | l);
        }
        return table;
    }
}
