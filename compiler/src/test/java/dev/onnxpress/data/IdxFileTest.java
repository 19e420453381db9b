package dev.onnxpress.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.testing.SharedFiles;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    @TempDir
    Path dir;

    static byte[] idx(int typeCode, int[] dims, byte[] bigEndianData) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + bigEndianData.length);
        b.put((byte) 0).put((byte) 0).put((byte) typeCode).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(bigEndianData);
        return b.array();
    }

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void readsFashionMnistTestSet() {
        Tensor images = IdxFile.read(SharedFiles.data("fashion-mnist/t10k-images-idx3-ubyte.gz"), "images file");
        assertThat(images.dataType()).isEqualTo(DataType.UINT8);
        assertThat(images.dims()).containsExactly(10000, 28, 28);
        Tensor labels = IdxFile.read(SharedFiles.data("fashion-mnist/t10k-labels-idx1-ubyte.gz"), "labels file");
        assertThat(labels.dims()).containsExactly(10000);
        assertThat(Arrays.stream(labels.toIntArray()).max().getAsInt()).isEqualTo(9);
    }

    @Test
    void rawAndGzipAreRecognisedByContentAndBigEndianIsConverted() throws Exception {
        ByteBuffer data = ByteBuffer.allocate(12).putShort((short) -2).putShort((short) 300).putFloat(1.5f).putFloat(-7f);
        byte[] shorts = idx(0x0B, new int[] {2}, Arrays.copyOf(data.array(), 4));
        Path raw = dir.resolve("a.gz"); // a misleading name: content decides
        Files.write(raw, shorts);
        assertThat(IdxFile.read(raw, "images file").toLongArray()).containsExactly(-2, 300);
        byte[] floats = idx(0x0D, new int[] {1, 2}, Arrays.copyOfRange(data.array(), 4, 12));
        Path gz = dir.resolve("b.idx");
        Files.write(gz, gzip(floats));
        Tensor t = IdxFile.read(gz, "images file");
        assertThat(t.dims()).containsExactly(1, 2);
        assertThat(t.toFloatArray()).containsExactly(1.5f, -7f);
    }

    @Test
    void malformedFilesAreOneLineUserErrors() throws Exception {
        Path missing = dir.resolve("missing.idx");
        assertThatThrownBy(() -> IdxFile.read(missing, "images file")).isInstanceOf(UserException.class)
                .hasMessage("images file not found: " + missing);

        Path text = dir.resolve("text.idx");
        Files.writeString(text, "hello world");
        assertThatThrownBy(() -> IdxFile.read(text, "images file"))
                .hasMessageStartingWith("images file " + text + " is not an IDX file");

        Path type = dir.resolve("type.idx");
        Files.write(type, idx(0x42, new int[] {1}, new byte[1]));
        assertThatThrownBy(() -> IdxFile.read(type, "images file"))
                .hasMessage("images file " + type + " has unknown IDX element type 0x42");

        Path shortData = dir.resolve("short.idx");
        Files.write(shortData, idx(0x08, new int[] {2, 3}, new byte[5]));
        assertThatThrownBy(() -> IdxFile.read(shortData, "images file"))
                .hasMessage("images file " + shortData + " is truncated: shape [2,3] needs 6 data bytes, the file has 5");

        Path shortHeader = dir.resolve("header.idx");
        Files.write(shortHeader, new byte[] {0, 0, 8, 3, 0, 0});
        assertThatThrownBy(() -> IdxFile.read(shortHeader, "images file"))
                .hasMessage("images file " + shortHeader + " is truncated: its header needs 16 bytes, the file has 6");

        Path trailing = dir.resolve("trailing.idx");
        Files.write(trailing, idx(0x08, new int[] {2}, new byte[3]));
        assertThatThrownBy(() -> IdxFile.read(trailing, "images file"))
                .hasMessageContaining("bytes after the data of shape [2]");

        Path absurd = dir.resolve("absurd.idx");
        Files.write(absurd, idx(0x08, new int[] {-1, -1, -1}, new byte[0]));
        assertThatThrownBy(() -> IdxFile.read(absurd, "images file"))
                .hasMessageContaining("absurd shape");

        byte[] gz = gzip(idx(0x08, new int[] {100}, new byte[100]));
        Path cut = dir.resolve("cut.gz");
        Files.write(cut, Arrays.copyOf(gz, gz.length - 12));
        assertThatThrownBy(() -> IdxFile.read(cut, "images file"))
                .hasMessage("images file " + cut + " is a truncated gzip file");

        byte[] bad = gz.clone();
        bad[bad.length - 8] ^= (byte) 0xff; // the CRC in the trailer
        Path corrupt = dir.resolve("corrupt.gz");
        Files.write(corrupt, bad);
        assertThatThrownBy(() -> IdxFile.read(corrupt, "images file"))
                .isInstanceOf(UserException.class)
                .hasMessageStartingWith("images file " + corrupt + " is a corrupt gzip file");
    }
}
