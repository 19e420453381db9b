package dev.onnxpress.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.ort.IoInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSetBatchesTest {
    @TempDir
    Path dir;

    static ModelSignature model(IoInfo input) {
        return new ModelSignature(List.of(input), List.of(new IoInfo("out", DataType.FLOAT, new long[] {-1, 10},
                List.of("batch", ""))));
    }

    static IoInfo input(DataType type, Object... dims) {
        long[] shape = new long[dims.length];
        String[] names = new String[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = dims[i] instanceof String ? -1 : ((Number) dims[i]).longValue();
            names[i] = dims[i] instanceof String s ? s : "";
        }
        return new IoInfo("input", type, shape, List.of(names));
    }

    /** 10 images of 2x3 pixels, pixel value = 10*image + position; labels = image % 3. */
    private DataSet images(Preprocess p, OptionalInt count) throws Exception {
        byte[] px = new byte[60];
        for (int i = 0; i < 60; i++) {
            px[i] = (byte) ((i / 6) * 10 + i % 6);
        }
        Path images = dir.resolve("img.idx");
        Files.write(images, IdxFileTest.idx(0x08, new int[] {10, 2, 3}, px));
        byte[] lb = new byte[10];
        for (int i = 0; i < 10; i++) {
            lb[i] = (byte) (i % 3);
        }
        Path labels = dir.resolve("lab.idx");
        Files.write(labels, IdxFileTest.gzip(IdxFileTest.idx(0x08, new int[] {10}, lb)));
        return DataSets.idx("test", images, Optional.of(labels), p, count);
    }

    @Test
    void addsAChannelAxisForRank4InputsAndScales() throws Exception {
        DataSet d = images(Preprocess.scale(0.5), OptionalInt.empty());
        assertThat(d.size()).isEqualTo(10);
        List<Batch> batches = d.batches(model(input(DataType.FLOAT, "batch", 1, 2, 3)), 4);
        assertThat(batches).hasSize(3);
        Batch last = batches.get(2);
        assertThat(last.first()).isEqualTo(8);
        assertThat(last.count()).isEqualTo(2);
        Tensor t = last.feeds().get("input");
        assertThat(t.dims()).containsExactly(2, 1, 2, 3);
        assertThat(t.toFloatArray()).containsExactly(40, 40.5f, 41, 41.5f, 42, 42.5f, 45, 45.5f, 46, 46.5f, 47, 47.5f);
        assertThat(last.labels().orElseThrow()).containsExactly(2, 0);
        assertThat(last.referenceOutputs()).isEmpty();
    }

    @Test
    void flattensForRank2InputsAndNormalises() throws Exception {
        DataSet d = images(new Preprocess(1, 1, 2), OptionalInt.empty());
        Tensor t = d.batches(model(input(DataType.FLOAT, "n", 6)), 100).get(0).feeds().get("input");
        assertThat(t.dims()).containsExactly(10, 6);
        assertThat(t.toFloatArray()[7]).isEqualTo((11 - 1) / 2f);
    }

    @Test
    void fixedBatchDimensionWinsAndPadsTheLastBatch() throws Exception {
        DataSet d = images(Preprocess.IDENTITY, OptionalInt.empty());
        List<Batch> one = d.batches(model(input(DataType.FLOAT, 1, 1, 2, 3)), 64);
        assertThat(one).hasSize(10);
        assertThat(one.get(9).feeds().get("input").dims()).containsExactly(1, 1, 2, 3);
        List<Batch> four = d.batches(model(input(DataType.FLOAT, 4, 6)), 64);
        assertThat(four).hasSize(3);
        Batch last = four.get(2);
        assertThat(last.count()).isEqualTo(2);
        float[] v = last.feeds().get("input").toFloatArray();
        assertThat(v).hasSize(24);
        assertThat(v[12]).isEqualTo(90); // rows 2 and 3 repeat the last image
        assertThat(v[18]).isEqualTo(90);
    }

    @Test
    void countTakesTheFirstSamples() throws Exception {
        DataSet d = images(Preprocess.IDENTITY, OptionalInt.of(3));
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.labels().orElseThrow()).containsExactly(0, 1, 2);
        assertThatThrownBy(() -> images(Preprocess.IDENTITY, OptionalInt.of(11)))
                .hasMessage("data 'test': count=11 but the file holds 10 images");
    }

    @Test
    void skipLeavesOutTheFirstSamplesThenCountApplies() throws Exception {
        images(Preprocess.IDENTITY, OptionalInt.empty());
        DataSet d = DataSets.idx("test", dir.resolve("img.idx"), Optional.of(dir.resolve("lab.idx")),
                Preprocess.IDENTITY, 4, OptionalInt.of(3));
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.labels().orElseThrow()).containsExactly(1, 2, 0);
        Tensor t = d.batches(model(input(DataType.FLOAT, "n", 6)), 100).get(0).feeds().get("input");
        assertThat(t.toFloatArray()[0]).isEqualTo(40);
        assertThat(DataSets.idx("test", dir.resolve("img.idx"), Optional.empty(), Preprocess.IDENTITY, 7,
                OptionalInt.empty()).size()).isEqualTo(3);
        assertThatThrownBy(() -> DataSets.idx("test", dir.resolve("img.idx"), Optional.empty(), Preprocess.IDENTITY, 10,
                OptionalInt.empty())).hasMessage("data 'test': skip=10 but the file holds only 10 images");
        assertThatThrownBy(() -> DataSets.idx("test", dir.resolve("img.idx"), Optional.empty(), Preprocess.IDENTITY, 8,
                OptionalInt.of(3))).hasMessage("data 'test': count=3 but the file holds 2 images after skip=8");
    }

    @Test
    void integerInputsTakeUnscaledIntegers() throws Exception {
        Tensor t = images(Preprocess.IDENTITY, OptionalInt.empty())
                .batches(model(input(DataType.INT64, "batch", 2, 3)), 2).get(1).feeds().get("input");
        assertThat(t.dataType()).isEqualTo(DataType.INT64);
        assertThat(t.toLongArray()[0]).isEqualTo(20);
        assertThatThrownBy(() -> images(Preprocess.scale(1 / 255.0), OptionalInt.empty())
                .batches(model(input(DataType.INT64, "batch", 2, 3)), 2))
                .isInstanceOf(UserException.class)
                .hasMessage("data 'test': images are real numbers after scale/mean/std but model input 'input' "
                        + "expects int64 [batch,2,3]");
    }

    @Test
    void shapeMismatchIsOneLine() throws Exception {
        assertThatThrownBy(() -> images(Preprocess.IDENTITY, OptionalInt.empty())
                .batches(model(input(DataType.FLOAT, "batch", 3, 224, 224)), 8))
                .isInstanceOf(UserException.class)
                .hasMessage("data 'test': images are [2,3] but model input 'input' expects float [batch,3,224,224]");
        assertThatThrownBy(() -> images(Preprocess.IDENTITY, OptionalInt.empty())
                .batches(model(input(DataType.FLOAT, "batch", 3, 2)), 8))
                .hasMessage("data 'test': images are [2,3] but model input 'input' expects float [batch,3,2]");
        assertThatThrownBy(() -> images(Preprocess.IDENTITY, OptionalInt.empty())
                .batches(model(input(DataType.FLOAT, "batch", 6)), "nope", 8))
                .hasMessage("the model has no input 'nope'; its inputs are input");
    }

    @Test
    void channelLastImagesAreTransposed() throws Exception {
        // one 2x2 RGB image: pixel p has channels (p, 10+p, 20+p)
        byte[] px = new byte[12];
        for (int p = 0; p < 4; p++) {
            for (int c = 0; c < 3; c++) {
                px[p * 3 + c] = (byte) (c * 10 + p);
            }
        }
        Path f = dir.resolve("rgb.idx");
        Files.write(f, IdxFileTest.idx(0x08, new int[] {1, 2, 2, 3}, px));
        DataSet d = DataSets.idx("rgb", f, Optional.empty(), Preprocess.IDENTITY, OptionalInt.empty());
        Tensor t = d.batches(model(input(DataType.FLOAT, "batch", 3, "h", "w")), 1).get(0).feeds().get("input");
        assertThat(t.dims()).containsExactly(1, 3, 2, 2);
        assertThat(t.toFloatArray()).containsExactly(0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23);
    }

    @Test
    void labelsMustMatchTheImages() throws Exception {
        Path images = dir.resolve("i.idx");
        Files.write(images, IdxFileTest.idx(0x08, new int[] {3, 1}, new byte[3]));
        Path labels = dir.resolve("l.idx");
        Files.write(labels, IdxFileTest.idx(0x08, new int[] {2}, new byte[2]));
        assertThatThrownBy(() -> DataSets.idx("x", images, Optional.of(labels), Preprocess.IDENTITY, OptionalInt.empty()))
                .hasMessage("data 'x': 3 images but 2 labels");
        Path missing = dir.resolve("none.gz");
        assertThatThrownBy(() -> DataSets.idx("x", missing, Optional.empty(), Preprocess.IDENTITY, OptionalInt.empty()))
                .hasMessage("data 'x': images file not found: " + missing);
    }

    @Test
    void npyDataWithNpyLabels() throws Exception {
        java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        f.putFloat(1).putFloat(2).putFloat(3).putFloat(4);
        Path data = dir.resolve("x.npy");
        Files.write(data, NpyFileTest.npy(1, "<f4", false, "2, 2", f.array()));
        java.nio.ByteBuffer l = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(3);
        Path labels = dir.resolve("y.npy");
        Files.write(labels, NpyFileTest.npy(1, "<i8", false, "2,", l.array()));
        DataSet d = DataSets.npy("n", data, Optional.of(labels), Preprocess.scale(2), OptionalInt.empty());
        Batch b = d.batches(model(input(DataType.DOUBLE, "batch", 2)), 8).get(0);
        assertThat(b.feeds().get("input").toDoubleArray()).containsExactly(2, 4, 6, 8);
        assertThat(b.labels().orElseThrow()).containsExactly(7, 3);
    }

    @Test
    void randomDataIsSeededAndIndependentOfBatching() {
        ModelSignature m = new ModelSignature(List.of(
                input(DataType.FLOAT, "batch", 2, "len"),
                new IoInfo("ids", DataType.INT64, new long[] {-1, 3}, List.of("batch", ""))), List.of());
        DataSet d = DataSets.random("probe", 5, 42, Map.of("len", 4L));
        List<Batch> big = d.batches(m, 5);
        List<Batch> small = d.batches(m, 2);
        assertThat(big).hasSize(1);
        assertThat(small).hasSize(3);
        float[] all = big.get(0).feeds().get("input").toFloatArray();
        float[] third = small.get(1).feeds().get("input").toFloatArray();
        assertThat(java.util.Arrays.copyOfRange(all, 16, 32)).containsExactly(third);
        for (float v : all) {
            assertThat(v).isBetween(0f, 1f);
        }
        for (long v : big.get(0).feeds().get("ids").toLongArray()) {
            assertThat(v).isBetween(0L, 9L);
        }
        assertThat(DataSets.random("probe", 5, 43, Map.of("len", 4L)).batches(m, 5).get(0).feeds().get("input")
                .toFloatArray()).isNotEqualTo(all);
        assertThatThrownBy(() -> DataSets.random("probe", 5, 42, Map.of()).batches(m, 5))
                .hasMessage("data 'probe': model input 'input' (float [batch,2,len]) has no fixed size for dimension 2; "
                        + "give one with dims=[\"len=N\"]");
    }
}
