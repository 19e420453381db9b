package dev.onnxpress.ort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.onnxpress.error.UserException;
import dev.onnxpress.ir.DataType;
import dev.onnxpress.ir.Tensor;
import dev.onnxpress.proto.Onnx;
import dev.onnxpress.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorProtosTest {

    @Test
    void typedFieldsDecode() {
        Onnx.TensorProto f = Onnx.TensorProto.newBuilder().setName("f").setDataType(1).addDims(2)
                .addFloatData(1.5f).addFloatData(-2).build();
        assertThat(TensorProtos.toTensor(f).toFloatArray()).containsExactly(1.5f, -2);
        assertThat(TensorProtos.toTensor(f).name()).isEqualTo("f");
        Onnx.TensorProto i8 = Onnx.TensorProto.newBuilder().setDataType(DataType.INT8.code()).addDims(2)
                .addInt32Data(-3).addInt32Data(100).build();
        assertThat(TensorProtos.toTensor(i8).toLongArray()).containsExactly(-3, 100);
        Onnx.TensorProto h = Onnx.TensorProto.newBuilder().setDataType(DataType.FLOAT16.code()).addDims(1)
                .addInt32Data(0x3c00).build();
        assertThat(TensorProtos.toTensor(h).toFloatArray()).containsExactly(1f);
        Onnx.TensorProto l = Onnx.TensorProto.newBuilder().setDataType(DataType.INT64.code())
                .addInt64Data(42).build();
        assertThat(TensorProtos.toTensor(l).dims()).isEmpty();
        assertThat(TensorProtos.toTensor(l).toLongArray()).containsExactly(42);
        Onnx.TensorProto s = Onnx.TensorProto.newBuilder().setDataType(DataType.STRING.code()).addDims(1)
                .addStringData(ByteString.copyFromUtf8("ab")).build();
        assertThat(new String(TensorProtos.toTensor(s).strings().get(0))).isEqualTo("ab");
    }

    @Test
    void rawRoundTrip() {
        Tensor t = Tensor.ofInts(new long[] {2, 2}, 1, 2, 3, -4);
        Tensor back = TensorProtos.toTensor(TensorProtos.fromTensor(t, "t"));
        assertThat(back.contentEquals(t)).isTrue();
        assertThat(back.name()).isEqualTo("t");
    }

    @Test
    void wrongSizesAreUserErrors() {
        Onnx.TensorProto raw = Onnx.TensorProto.newBuilder().setName("w").setDataType(1).addDims(3)
                .setRawData(ByteString.copyFrom(new byte[8])).build();
        assertThatThrownBy(() -> TensorProtos.toTensor(raw)).isInstanceOf(UserException.class)
                .hasMessage("tensor 'w' holds 8 bytes of raw data where float [3] needs 12");
        Onnx.TensorProto typed = Onnx.TensorProto.newBuilder().setDataType(1).addDims(3).addFloatData(1).build();
        assertThatThrownBy(() -> TensorProtos.toTensor(typed)).hasMessage("tensor holds 1 values where its shape needs 3");
        Onnx.TensorProto bad = Onnx.TensorProto.newBuilder().setDataType(99).build();
        assertThatThrownBy(() -> TensorProtos.toTensor(bad)).hasMessage("tensor has unknown data type 99");
    }

    @Test
    void readsModelZooTestData() {
        Path dir = SharedFiles.modelDir("ultraface_rfb640").resolve("test_data_set_0");
        Tensor in = TensorProtos.read(dir.resolve("input_0.pb"));
        assertThat(in.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(in.dims()).containsExactly(1, 3, 480, 640);
        assertThat(TensorProtos.read(dir.resolve("output_1.pb")).dims()).containsExactly(1, 17640, 4);
    }

    @Test
    void malformedFilesNameThePath(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.pb");
        assertThatThrownBy(() -> TensorProtos.read(missing)).hasMessage("tensor file not found: " + missing);
        Path garbage = dir.resolve("garbage.pb");
        Files.write(garbage, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertThatThrownBy(() -> TensorProtos.read(garbage)).isInstanceOf(UserException.class)
                .hasMessageStartingWith(garbage + " is not a serialized ONNX TensorProto");
        Path truncated = dir.resolve("truncated.pb");
        byte[] full = TensorProtos.fromTensor(Tensor.ofFloats(new long[] {4}, 1, 2, 3, 4), "t").toByteArray();
        Files.write(truncated, java.util.Arrays.copyOf(full, full.length - 5));
        assertThatThrownBy(() -> TensorProtos.read(truncated)).isInstanceOf(UserException.class)
                .hasMessageStartingWith(truncated.toString());
        assertThat(List.of()).isEmpty();
    }
}
