package dev.onnxpress.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PackedTensorTest {
    private static final DataType[] TYPES = {DataType.FLOAT, DataType.UINT8, DataType.INT8, DataType.INT32,
        DataType.INT64, DataType.FLOAT16, DataType.DOUBLE, DataType.BOOL, DataType.INT16, DataType.INT4};

    /** Random tensor: a fraction of elements equal to a background value, the rest random with few distinct values or not. */
    static Tensor randomTensor(Random r, DataType type, int n, double sparsity, boolean fewValues) {
        int eb = Math.max(1, type.bits() / 8);
        byte[] raw = new byte[(int) type.byteSize(n)];
        byte[] background = new byte[eb];
        if (r.nextBoolean()) {
            r.nextBytes(background);
        }
        byte[][] palette = new byte[1 + r.nextInt(40)][eb];
        for (byte[] p : palette) {
            r.nextBytes(p);
        }
        if (type.bits() < 8) {
            r.nextBytes(raw);
        } else {
            for (int i = 0; i < n; i++) {
                byte[] v;
                if (r.nextDouble() < sparsity) {
                    v = background;
                } else if (fewValues) {
                    v = palette[r.nextInt(palette.length)];
                } else {
                    v = new byte[eb];
                    r.nextBytes(v);
                }
                System.arraycopy(v, 0, raw, i * eb, eb);
            }
        }
        if (type == DataType.BOOL) {
            for (int i = 0; i < raw.length; i++) {
                raw[i] &= 1;
            }
        }
        long[] dims = n % 6 == 0 ? new long[] {2, 3, n / 6} : new long[] {n};
        return Tensor.ofRaw(type, dims, raw);
    }

    static LongStream layoutSeeds() {
        return LongStream.range(0, 300).map(i -> 20_261_125L + i);
    }

    /** A random type, size, sparsity, palette and gap width per seed; every layout decodes bit-exactly. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("layoutSeeds")
    void everyLayoutDecodesBitExactly(long seed) {
        Random r = new Random(seed);
        DataType type = TYPES[r.nextInt(TYPES.length)];
        int n = r.nextInt(8) == 0 ? r.nextInt(4) : r.nextInt(3001);
        double sparsity = r.nextInt(6) == 0 ? (r.nextBoolean() ? 0.0 : 1.0) : r.nextDouble();
        boolean fewValues = r.nextBoolean();
        int gapBits = 1 + r.nextInt(8);
        Tensor t = randomTensor(r, type, n, sparsity, fewValues);
        assertSame(t, PackedTensor.decode(PackedTensor.encode(t)));
        assertSame(t, PackedTensor.decode(PackedTensor.encode(t, PackedTensor.Layout.PLANES, 0)));
        if (type.bits() >= 8) {
            assertSame(t, PackedTensor.decode(PackedTensor.encode(t, PackedTensor.Layout.RUNS, gapBits)));
        }
    }

    @Test
    void longRunsUseFillersAndTrailingBackgroundIsImplied() {
        float[] w = new float[10_000];
        w[0] = 1.5f;
        w[5_000] = -0.25f; // a gap of 4,999 zeros: many filler entries at any gap width
        w[9_000] = -0.0f;  // negative zero is not the background 0.0f: kept bit-exact
        Tensor t = Tensor.ofFloats(new long[] {100, 100}, w);
        for (int bits = 1; bits <= 8; bits++) {
            assertSame(t, PackedTensor.decode(PackedTensor.encode(t, PackedTensor.Layout.RUNS, bits)));
        }
        byte[] best = PackedTensor.encode(t);
        assertEquals(PackedTensor.Layout.RUNS, PackedTensor.header(best).layout());
        assertTrue(best.length < 200, "10,000 mostly-zero floats pack to " + best.length + " bytes");
    }

    @Test
    void sparseIndicesPackBelowOneBitPerWeight() {
        Random r = new Random(7);
        byte[] idx = new byte[100_000];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = r.nextDouble() < 0.92 ? 0 : (byte) (1 + r.nextInt(31));
        }
        byte[] blob = PackedTensor.encode(Tensor.ofBytes(DataType.UINT8, new long[] {idx.length}, idx));
        double bitsPerWeight = 8.0 * blob.length / idx.length;
        // entropy of (8% nonzero, 31 equally likely values) ≈ 0.40 + 0.08·log2(31) ≈ 0.80 bits
        assertTrue(bitsPerWeight < 0.95, bitsPerWeight + " bits per weight");
    }

    @Test
    void skewedFrequenciesStillFitTheLengthCap() {
        long[] freq = new long[40];
        for (int i = 0; i < freq.length; i++) {
            freq[i] = 1L << Math.min(i, 40); // Fibonacci-like skew would need lengths up to 39
        }
        HuffmanCode c = HuffmanCode.forFrequencies(freq);
        for (int s = 0; s < freq.length; s++) {
            assertTrue(c.length(s) >= 1 && c.length(s) <= HuffmanCode.MAX_LENGTH);
        }
        int[] symbols = new int[freq.length];
        for (int i = 0; i < symbols.length; i++) {
            symbols[i] = i;
        }
        var bytes = new java.io.ByteArrayOutputStream();
        HuffmanStream.encode(symbols, symbols.length, freq.length, new java.io.DataOutputStream(bytes));
        assertArrayEquals(symbols, HuffmanStream.decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())));
    }

    @Test
    void corruptBlobsFailWithAFormatError() {
        Tensor t = randomTensor(new Random(3), DataType.FLOAT, 600, 0.8, true);
        byte[] blob = PackedTensor.encode(t);
        assertThrows(PackFormatException.class, () -> PackedTensor.decode(Arrays.copyOf(blob, blob.length - 3)));
        assertThrows(PackFormatException.class, () -> PackedTensor.decode(Arrays.copyOf(blob, 10)));
        byte[] badMagic = blob.clone();
        badMagic[0] = 'X';
        assertThrows(PackFormatException.class, () -> PackedTensor.decode(badMagic));
        byte[] longer = Arrays.copyOf(blob, blob.length + 1);
        assertThrows(PackFormatException.class, () -> PackedTensor.decode(longer));
        Random r = new Random(11);
        for (int k = 0; k < 200; k++) { // random byte flips: decode or a format error, never anything else
            byte[] b = blob.clone();
            b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
            try {
                PackedTensor.decode(b);
            } catch (PackFormatException expected) {
                // fine
            }
        }
    }

    private static void assertSame(Tensor expected, Tensor actual) {
        assertEquals(expected.dataType(), actual.dataType());
        assertArrayEquals(expected.dims(), actual.dims());
        assertArrayEquals(expected.rawBytes(), actual.rawBytes());
    }
}
