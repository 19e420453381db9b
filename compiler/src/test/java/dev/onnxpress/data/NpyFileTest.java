package dev.onnxpress.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyFileTest {
    @TempDir
    Path dir;

    /** A .npy file as numpy.save writes it (header padded so the data starts 64-byte aligned). */
    static byte[] npy(int major, String descr, boolean fortran, String shape, byte[] data) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': ("
                + shape + "), }";
        int pre = major == 1 ? 10 : 12;
        int total = pre + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(pre + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) header.length());
        } else {
            b.putInt(header.length());
        }
        b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        return b.array();
    }

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsVersionsTypesAndByteOrders() throws Exception {
        ByteBuffer f = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {1, 2, 3, 4, 5, -6}) {
            f.putFloat(v);
        }
        Tensor t = NpyFile.read(write("f.npy", npy(1, "<f4", false, "2, 3", f.array())), "array file");
        assertThat(t.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(t.dims()).containsExactly(2, 3);
        assertThat(t.toFloatArray()).containsExactly(1, 2, 3, 4, 5, -6);

        ByteBuffer i = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putInt(-7).putInt(70000);
        Tensor big = NpyFile.read(write("i.npy", npy(2, ">i4", false, "2,", i.array())), "array file");
        assertThat(big.toLongArray()).containsExactly(-7, 70000);

        Tensor u8 = NpyFile.read(write("u.npy", npy(3, "|u1", false, "1, 1, 3", new byte[] {0, (byte) 200, 9})), "array file");
        assertThat(u8.dataType()).isEqualTo(DataType.UINT8);
        assertThat(u8.toLongArray()).containsExactly(0, 200, 9);

        ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.25).putDouble(-1e10);
        assertThat(NpyFile.read(write("d.npy", npy(1, "<f8", false, "2,", d.array())), "array file").toDoubleArray())
                .containsExactly(0.25, -1e10);
        ByteBuffer l = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MIN_VALUE);
        assertThat(NpyFile.read(write("l.npy", npy(1, "<i8", false, "1,", l.array())), "array file").toLongArray())
                .containsExactly(Long.MIN_VALUE);
        Tensor b = NpyFile.read(write("b.npy", npy(1, "|b1", false, "2,", new byte[] {1, 0})), "array file");
        assertThat(b.dataType()).isEqualTo(DataType.BOOL);
        assertThat(NpyFile.read(write("s.npy", npy(1, "|i1", false, "2,", new byte[] {-1, 5})), "array file").toLongArray())
                .containsExactly(-1, 5);
    }

    @Test
    void malformedFilesAreClearErrors() throws Exception {
        Path fortran = write("fortran.npy", npy(1, "<f4", true, "1, 1", new byte[4]));
        assertThatThrownBy(() -> NpyFile.read(fortran, "array file"))
                .hasMessage("array file " + fortran + " holds a Fortran-order array; save it in C order "
                        + "(numpy.ascontiguousarray) before using it");
        Path complex = write("c.npy", npy(1, "<c8", false, "1,", new byte[8]));
        assertThatThrownBy(() -> NpyFile.read(complex, "array file")).hasMessageContaining("has element type '<c8'");
        Path truncated = write("t.npy", npy(1, "<f4", false, "10,", new byte[12]));
        assertThatThrownBy(() -> NpyFile.read(truncated, "array file"))
                .hasMessage("array file " + truncated + " is truncated: float [10] needs 40 data bytes, the file has 12");
        byte[] whole = npy(1, "<f4", false, "1,", new byte[4]);
        Path cutHeader = write("h.npy", Arrays.copyOf(whole, 30));
        assertThatThrownBy(() -> NpyFile.read(cutHeader, "array file"))
                .hasMessage("array file " + cutHeader + " is truncated inside the .npy header");
        Path notNpy = write("x.npy", "PK\u0003\u0004 zip".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> NpyFile.read(notNpy, "array file")).hasMessageContaining("is not a .npy file");
        Path v9 = write("v9.npy", npy(1, "<f4", false, "1,", new byte[4]));
        byte[] v9bytes = Files.readAllBytes(v9);
        v9bytes[6] = 9;
        Files.write(v9, v9bytes);
        assertThatThrownBy(() -> NpyFile.read(v9, "array file")).hasMessageContaining("format version 9.0");
        Path noShape = write("ns.npy", npy(1, "<f4", false, "1,", new byte[4]).clone());
        byte[] ns = Files.readAllBytes(noShape);
        String s = new String(ns, StandardCharsets.ISO_8859_1).replace("'shape'", "'shapx'");
        Files.write(noShape, s.getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> NpyFile.read(noShape, "array file")).hasMessageContaining("malformed .npy header (no 'shape')");
    }
}
